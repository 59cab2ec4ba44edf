"""The registry container's lock and the collection's journal (real files in a temp data dir)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from buildtui.cleanup.collection import result_from_json, result_json, verification_json
from buildtui.cleanup.docker_output import parse_gc_output
from buildtui.cleanup.errors import CollectionBusy
from buildtui.cleanup.gc import GcResult, RepositoryRemoval
from buildtui.cleanup.graph import TagRef
from buildtui.cleanup.journal import Journal, RegistryLock, collection_checks, write_json
from buildtui.cleanup.verify import TagCheck, VerifyReport
from buildtui.settings import Settings, data_dir
from tests.fakes.cleanup import FakeContainer, lab_fake_registry

SETTINGS = Settings()


def test_a_second_holder_is_refused_with_what_runs_its_pid_and_since_when() -> None:
    first = RegistryLock(SETTINGS, "registry7")
    first.acquire("garbage collection", "buildtui gc -y")
    try:
        with pytest.raises(CollectionBusy) as caught:
            RegistryLock(SETTINGS, "registry7").acquire("deletion")
        message = str(caught.value)
        assert message.startswith("a garbage collection of registry7 runs since 20")
        assert f"(pid {os.getpid()}, `buildtui gc -y`)" in message
        assert "run this again when it is done" in message
        assert RegistryLock(SETTINGS, "registry7").held()
        with RegistryLock(SETTINGS, "other").holding("deletion"):
            pass  # another container has its own lock
    finally:
        first.release()
    assert not RegistryLock(SETTINGS, "registry7").held()
    RegistryLock(SETTINGS, "registry7").acquire("deletion")


def test_the_lock_passes_to_a_child_process_and_ends_with_it() -> None:
    lock = RegistryLock(SETTINGS, "registry7")
    fd = lock.acquire("garbage collection")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(fd,))
    try:
        lock.forget()  # the caller lets go of its descriptor: the child still holds the lock
        assert RegistryLock(SETTINGS, "registry7").held()
        with pytest.raises(CollectionBusy):
            RegistryLock(SETTINGS, "registry7").acquire("deletion")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not RegistryLock(SETTINGS, "registry7").held()  # a kill releases it


def test_the_data_dir_and_its_files_are_for_the_owner_only() -> None:
    RegistryLock(SETTINGS, "registry7").acquire("deletion")
    journal = Journal.begin(SETTINGS, "registry7")

    assert (data_dir() / "gc").stat().st_mode & 0o777 == 0o700
    assert journal.path.stat().st_mode & 0o777 == 0o600
    assert (data_dir() / "gc" / "registry7.lock").stat().st_mode & 0o077 == 0


def test_a_journal_write_replaces_the_whole_file() -> None:
    journal = Journal.begin(SETTINGS, "registry7")
    write_json(journal.path, {"state": "running", "phase": "stopped"})
    leftovers = [p.name for p in journal.path.parent.iterdir() if p.name.endswith(".tmp")]

    assert leftovers == []
    loaded = Journal.load(journal.path)
    assert loaded is not None and loaded.data == {"state": "running", "phase": "stopped"}


def test_an_unfinished_journal_without_its_lock_is_interrupted() -> None:
    journal = Journal.begin(SETTINGS, "registry7")
    journal.update(pid=4242, was_running=True)
    journal.phase("collecting")

    assert journal.interrupted() and journal.needs_resume()
    text = journal.interruption()
    assert "the garbage collection of registry7 started 20" in text
    assert "(its process 4242 died)" in text
    assert "registry7 may still be stopped (last phase: collecting" in text
    assert "`buildtui gc --resume`" in text
    (check,) = collection_checks()
    assert (check.name, check.level, check.fix) == ("gc", "error", "buildtui gc --resume")


def test_a_journal_whose_lock_is_held_runs_and_a_finished_one_is_neither() -> None:
    journal = Journal.begin(SETTINGS, "registry7")
    journal.phase("stopped")
    lock = RegistryLock(SETTINGS, "registry7")
    lock.acquire("garbage collection")

    assert journal.running() and not journal.needs_resume()
    (check,) = collection_checks()
    assert check.level == "warn" and "runs since" in check.detail
    lock.release()
    journal.finish("done")

    assert not journal.running() and not journal.needs_resume()
    assert collection_checks() == []


def test_a_failed_start_is_left_to_resume() -> None:
    journal = Journal.begin(SETTINGS, "registry7")
    journal.phase("starting")
    journal.finish("failed", error={"type": "RestartFailed", "message": "port in use"})

    assert journal.needs_resume()


def test_the_resume_command_names_another_container_and_engine() -> None:
    settings = Settings(registry_container="lab-registry", docker_context="lab ctx")
    journal = Journal.begin(settings, "lab-registry")
    journal.phase("stopped")

    assert journal.resume_command() == (
        "buildtui --registry-container lab-registry --context 'lab ctx' gc --resume"
    )
    assert journal.path.name == "lab-registry@lab_ctx.journal.json"
    assert journal.settings.docker_context == "lab ctx"


def test_a_result_goes_through_the_journal_unchanged() -> None:
    info = FakeContainer(lab_fake_registry()).inspect()
    report = VerifyReport(
        "localhost:5000",
        (TagCheck(TagRef("lab", "v1", "sha256:" + "a" * 64), "sha256:" + "a" * 64, 5),),
        9,
    )
    result = GcResult(
        info,
        False,
        parse_gc_output("3 blobs marked, 1 blobs and 0 manifests eligible for deletion"),
        100,
        90,
        ("docker stop -t 10 registry7",),
        info.ports,
        ("a warning",),
        (RepositoryRemoval("gone", True), RepositoryRemoval("lab", False, "it holds v1")),
        False,
        "http://localhost:32001",
        report,
    )

    assert result_from_json(result_json(result)) == result
    assert verification_json(report)["checks"][0]["ref"]["tag"] == "v1"
