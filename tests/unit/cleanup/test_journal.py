"""The registry container's lock and the collection's journal (real files in a temp data dir)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from buildtui.cleanup.docker_output import parse_gc_output
from buildtui.cleanup.errors import CollectionBusy, JournalUnavailable, UnusableFile
from buildtui.cleanup.gc import GcResult, RepositoryRemoval
from buildtui.cleanup.graph import TagRef
from buildtui.cleanup.journal import (
    ContainerKey,
    Damaged,
    Journal,
    RegistryLock,
    collections_dir,
    write_json,
)
from buildtui.cleanup.journal_codecs import result_from_json, result_json, verification_json
from buildtui.cleanup.journal_schema import journal_problem
from buildtui.cleanup.recovery import Unreadable, collection_checks, read_journal
from buildtui.cleanup.verify import TagCheck, VerifyReport
from buildtui.settings import Settings, data_dir
from tests.fakes.cleanup import FakeContainer, lab_fake_registry

SETTINGS = Settings()
KEY = ContainerKey("1de37161-fba1-4609-a5bd-3a9a52c0ada0", "ab" * 32)
OTHER = ContainerKey(KEY.engine_id, "cd" * 32)


def lock(key: ContainerKey = KEY, name: str = "registry7") -> RegistryLock:
    return RegistryLock.of(key, name)


def test_a_second_holder_is_refused_with_what_runs_its_pid_and_since_when() -> None:
    first = lock()
    first.acquire("garbage collection", "buildtui gc -y")
    try:
        with pytest.raises(CollectionBusy) as caught:
            lock().acquire("deletion")
        message = str(caught.value)
        assert message.startswith("a garbage collection of registry7 runs since 20")
        assert f"(pid {os.getpid()}, `buildtui gc -y`)" in message
        assert "run this again when it is done" in message
        assert lock().held()
        with lock(OTHER, "other").holding("deletion"):
            pass  # another container has its own lock
    finally:
        first.release()
    assert not lock().held()
    lock().acquire("deletion")


def test_the_lock_is_the_containers_whatever_it_is_named() -> None:
    first = lock(KEY, "registry7")
    first.acquire("garbage collection")
    try:
        with pytest.raises(CollectionBusy, match="of registry7-renamed runs"):
            lock(KEY, "registry7-renamed").acquire("deletion")
    finally:
        first.release()


def test_the_lock_passes_to_a_child_process_and_ends_with_it() -> None:
    held = lock()
    fd = held.acquire("garbage collection")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(fd,))
    try:
        held.forget()  # the caller lets go of its descriptor: the child still holds the lock
        assert lock().held()
        with pytest.raises(CollectionBusy):
            lock().acquire("deletion")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not lock().held()  # a kill releases it


def test_the_data_dir_and_its_files_are_for_the_owner_only() -> None:
    lock().acquire("deletion")
    journal = Journal.begin(SETTINGS, KEY, "registry7")

    assert (data_dir() / "gc").stat().st_mode & 0o777 == 0o700
    assert journal.path.stat().st_mode & 0o777 == 0o600
    assert journal.path.name == f"{KEY.engine_id}_{KEY.container_id}.journal.json"
    assert (data_dir() / "gc" / f"{KEY.stem}.lock").stat().st_mode & 0o077 == 0


def test_a_journal_write_replaces_the_whole_file() -> None:
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    write_json(journal.path, {**journal.data, "state": "running", "phase": "stopped"})
    leftovers = [p.name for p in journal.path.parent.iterdir() if p.name.endswith(".tmp")]

    assert leftovers == []
    loaded = Journal.load(journal.path)
    assert loaded is not None and loaded.data["phase"] == "stopped"


def full_disk(monkeypatch: pytest.MonkeyPatch, *, after: int = 0) -> list[int]:
    """Journal writes fail with ENOSPC after `after` more went through."""
    writes = [0]
    real = os.write

    def write(fd: int, data: Any) -> int:
        writes[0] += 1
        if writes[0] > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    return writes


def test_a_write_on_a_full_disk_leaves_the_last_journal_and_says_no_space_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    journal.phase("stopping")
    full_disk(monkeypatch)

    with pytest.raises(JournalUnavailable) as caught:
        journal.phase("stopped")

    message = str(caught.value)
    assert "no space left on device" in message and str(journal.path) in message
    assert " free on " in message and "move" not in message
    assert [p for p in journal.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    kept = Journal.load(journal.path)
    assert kept is not None and kept.data["phase"] == "stopping"


def test_a_tolerant_journal_remembers_a_failed_write_and_catches_up_with_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    journal.tolerant = True
    with monkeypatch.context() as patch:
        full_disk(patch)
        journal.phase("stopped")  # no exception: the registry's start comes first
        journal.phase("collecting")
        assert journal.unsaved is not None and "no space left on device" in journal.unsaved
    journal.phase("started")

    assert journal.unsaved is None
    loaded = Journal.load(journal.path)
    assert loaded is not None and loaded.data["phase"] == "started"


def test_an_unfinished_journal_without_its_lock_is_interrupted() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, container_id=KEY.container_id)
    journal = Journal.begin(SETTINGS, KEY, "registry7", engine_id="fake-engine-0001")
    journal.update(pid=4242, was_running=True)
    journal.phase("collecting")

    assert journal.interrupted() and journal.needs_resume()
    text = journal.interruption()
    assert "the garbage collection of registry7 started 20" in text
    assert "(its process 4242 died)" in text
    assert "registry7 may still be stopped (last phase: collecting" in text
    assert "`buildtui gc --resume`" in text
    (check,) = collection_checks(SETTINGS, lambda _settings: container)
    assert (check.name, check.level, check.fix) == ("gc", "error", "buildtui gc --resume")


def test_the_doctor_names_a_renamed_container_by_its_name_now() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, name="registry7-old", container_id=KEY.container_id)
    journal = Journal.begin(SETTINGS, KEY, "registry7", engine_id="fake-engine-0001")
    journal.update(pid=4242, was_running=True)
    journal.phase("collecting")

    (check,) = collection_checks(SETTINGS, lambda _settings: container)

    assert "(registry7 is named registry7-old now)" in check.detail
    assert check.fix == "buildtui --registry-container registry7-old gc --resume"


def test_a_journal_whose_lock_is_held_runs_and_a_finished_one_is_neither() -> None:
    container = FakeContainer(lab_fake_registry(), container_id=KEY.container_id)
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    journal.phase("stopped")
    held = lock()
    held.acquire("garbage collection")

    assert journal.running() and not journal.needs_resume()
    (check,) = collection_checks(SETTINGS, lambda _settings: container)
    assert check.level == "warn" and "runs since" in check.detail
    held.release()
    journal.finish("done")

    assert not journal.running() and not journal.needs_resume()
    assert collection_checks(SETTINGS, lambda _settings: container) == []


def test_a_failed_start_is_left_to_resume() -> None:
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    journal.phase("starting")
    journal.finish("failed", error={"type": "RestartFailed", "message": "port in use"})

    assert journal.needs_resume()


def test_the_resume_command_names_another_container_registry_and_engine() -> None:
    settings = Settings(
        registry_url="http://localhost:5103",
        registry_container="lab-registry",
        docker_context="lab ctx",
    )
    journal = Journal.begin(settings, KEY, "lab-registry")
    journal.phase("stopped")

    assert journal.resume_command() == (
        "buildtui --registry http://localhost:5103 --registry-container lab-registry "
        "--context 'lab ctx' gc --resume"
    )
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
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    journal.finish("done", result=result_json(result))
    assert journal_problem(json.loads(journal.path.read_text())) is None


# -- reading what is on disk -------------------------------------------------------------


def valid() -> dict[str, Any]:
    return dict(Journal.begin(SETTINGS, KEY, "registry7").data)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"settings": "garbage"}, "settings: a string, not an object"),
        ({"settings": {"registry_url": 5}}, "settings.registry_url: a number, not a string"),
        ({"state": "sleeping"}, "state: 'sleeping' is none of requested, running"),
        ({"phase": 3}, "phase: a number, not a string"),
        ({"pid": "42"}, "pid: a string, not an integer"),
        ({"was_running": "yes"}, "was_running: a string, not a boolean"),
        ({"steps": [{"what": 1}]}, "steps[0].what: a number, not a string"),
        ({"tags": [{"repository": "lab", "tag": "v1"}]}, "tags[0].digest: missing"),
        ({"info": {"name": "registry7"}}, "info.id: missing"),
        ({"result": {"info": []}}, "result.info: a list, not an object"),
        ({"error": "boom"}, "error: a string, not an object"),
        ({"container": None}, "container: null, not a string"),
        ({"version": 2}, "version 2, not 1"),
    ],
)
def test_every_field_of_a_journal_is_checked_on_reading(
    change: dict[str, Any], problem: str
) -> None:
    document = {**valid(), **change}
    path = collections_dir() / f"{KEY.stem}.journal.json"
    path.write_text(json.dumps(document))

    with pytest.raises(Damaged) as caught:
        Journal.load(path)

    assert str(caught.value).startswith(problem)


def test_a_journal_with_a_field_a_newer_buildtui_adds_is_read() -> None:
    path = collections_dir() / f"{KEY.stem}.journal.json"
    path.write_text(json.dumps({**valid(), "something_new": {"a": 1}}))

    loaded = Journal.load(path)

    assert loaded is not None and loaded.container == "registry7"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"version": 1, "container": "registry7", "settings": {"registry_url": "ht', "cut short"),
        (b"", "it is empty"),
        (b"[1, 2]", "it holds no JSON object"),
        (b"\xff\xfe{}", "it is not UTF-8 text"),
    ],
)
def test_a_damaged_journal_is_moved_aside_and_says_why(content: bytes, reason: str) -> None:
    path = collections_dir()
    path.mkdir(parents=True, exist_ok=True)
    journal_path = path / f"{KEY.stem}.journal.json"
    journal_path.write_bytes(content)

    found = read_journal(journal_path)

    assert isinstance(found, Unreadable) and not found.unusable
    assert reason in found.reason
    assert not journal_path.exists()
    assert found.moved_to is not None and found.moved_to.read_bytes() == content
    assert found.moved_to.name.startswith(f"{KEY.stem}.journal.json.bad-20")
    assert found.key == KEY
    assert Journal.paths() == []  # the moved one is no journal any more


def test_a_damaged_journal_read_for_another_container_is_left_where_it_is() -> None:
    path = collections_dir()
    path.mkdir(parents=True, exist_ok=True)
    journal_path = path / f"{KEY.stem}.journal.json"
    journal_path.write_text('{"settings": "garbage"}')

    found = read_journal(journal_path, settle=False)

    assert isinstance(found, Unreadable) and found.moved_to is None
    assert journal_path.exists()


def in_time(work: Any, seconds: float = 5.0) -> Any:
    """Run `work` in a thread; fail (instead of hanging the suite) if it blocks."""
    result: list[Any] = []
    raised: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{work} blocked for {seconds} s"
    if raised:
        raise raised[0]
    return result[0]


def plant(path: Path, kind: str, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        os.symlink(target, path)


@pytest.mark.parametrize(
    ("kind", "what"),
    [("fifo", "a FIFO"), ("directory", "a directory"), ("symlink", "a symbolic link")],
)
def test_a_journal_that_is_not_a_regular_file_is_refused_without_blocking(
    kind: str, what: str, tmp_path: Path
) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    journal_path = collections_dir() / f"{KEY.stem}.journal.json"
    plant(journal_path, kind, target)

    found = in_time(lambda: read_journal(journal_path))

    assert isinstance(found, Unreadable) and found.unusable
    assert f"is {what}, not a regular file" in found.reason
    assert f"rm -r {journal_path}" in found.reason
    assert os.path.lexists(journal_path)  # not ours: left where it is
    assert target.read_text() == "precious"
    checks = in_time(
        lambda: collection_checks(SETTINGS, lambda _s: FakeContainer(lab_fake_registry()))
    )
    assert [c.level for c in checks] == ["error"] and what in checks[0].detail


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
def test_a_lock_that_is_not_a_regular_file_is_refused_without_blocking(
    kind: str, tmp_path: Path
) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    planted = lock()
    plant(planted.path, kind, target)

    with pytest.raises(UnusableFile, match="not a regular file"):
        in_time(lambda: planted.acquire("deletion"))
    with pytest.raises(UnusableFile, match="not a regular file"):
        in_time(planted.held)
    assert target.read_text() == "precious"
    assert planted.fd is None


def test_a_symbolic_link_planted_for_the_next_write_is_replaced_not_followed(
    tmp_path: Path,
) -> None:
    journal = Journal.begin(SETTINGS, KEY, "registry7")
    target = tmp_path / "victim"
    target.write_text("precious")
    journal.path.unlink()
    os.symlink(target, journal.path)

    journal.phase("stopping")

    assert target.read_text() == "precious"
    assert not journal.path.is_symlink()
    loaded = Journal.load(journal.path)
    assert loaded is not None and loaded.data["phase"] == "stopping"


def test_a_key_is_read_back_from_its_file_names() -> None:
    assert ContainerKey.from_path(Path(f"/x/{KEY.stem}.journal.json")) == KEY
    assert ContainerKey.from_path(Path(f"/x/{KEY.stem}.journal.json.bad-20260101T000000Z")) == KEY
    assert ContainerKey.from_path(Path(f"/x/{KEY.stem}.lock")) == KEY
    assert ContainerKey.from_path(Path("/x/registry7.journal.json")) is None


def test_an_engine_id_of_the_older_form_is_the_same_engine_once_in_a_file_name() -> None:
    from buildtui.cleanup.journal import same_engine

    old_form = "ABCD:EFGH:IJKL:MNOP:QRST:UVWX:YZ12:3456:7890:ABCD:EFGH:IJKL"
    key = ContainerKey(old_form, "ab" * 32)
    read_back = ContainerKey.from_path(Path(f"/x/{key.stem}.journal.json"))

    assert read_back is not None and read_back.container_id == key.container_id
    assert same_engine(read_back.engine_id, old_form)
    assert not same_engine(read_back.engine_id, KEY.engine_id)
