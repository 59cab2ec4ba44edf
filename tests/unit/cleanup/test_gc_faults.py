"""A collection that nothing about its own files can break: the registry is started again
whatever happens to the journal, and a journal that cannot be read stops nobody else.

In-memory registry and container, real files in a temp data dir; the protected region of
the docker sequence with a scripted docker CLI."""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from buildtui.cleanup import journal as journal_module
from buildtui.cleanup.collection import run_collection
from buildtui.cleanup.container import RegistryContainer
from buildtui.cleanup.errors import (
    CollectionBusy,
    CollectionInterrupted,
    EngineUnavailable,
    GcFailed,
    GcRefused,
    JournalDamaged,
    JournalUnavailable,
)
from buildtui.cleanup.gc import CollectionRequest
from buildtui.cleanup.journal import Journal, RegistryLock
from buildtui.cleanup.service import CleanupService
from buildtui.cli import main
from buildtui.settings import Settings
from tests.fakes.cleanup import FakeContainer, fake_cleanup_service, lab_fake_registry
from tests.unit.cleanup.test_gc import Docker

# -- the protected region of the docker sequence ----------------------------------------


def failing_at(name: str) -> Any:
    def report(text: str) -> None:
        if text == name:
            raise OSError(errno.ENOSPC, "No space left on device")

    return report


@pytest.mark.parametrize("phase", ["stopped", "collecting", "collected", "starting"])
def test_a_phase_that_cannot_be_recorded_once_stopped_never_skips_the_start(phase: str) -> None:
    docker = Docker()

    result = RegistryContainer(Settings(), run=docker).collect(on_phase=failing_at(phase))

    assert (
        docker.words().index("stop") < docker.words().index("run") < docker.words().index("start")
    )
    assert result.kb_after is not None


@pytest.mark.parametrize("step", ["collecting garbage", "starting registry7 again"])
def test_a_step_that_cannot_be_shown_once_stopped_never_skips_the_start(step: str) -> None:
    docker = Docker()

    RegistryContainer(Settings(), run=docker).collect(on_step=failing_at(step))

    assert "start" in docker.words()


def test_a_failure_to_record_the_stopping_phase_stops_nothing() -> None:
    docker = Docker()

    with pytest.raises(OSError):
        RegistryContainer(Settings(), run=docker).collect(on_phase=failing_at("stopping"))

    assert "stop" not in docker.words() and "start" not in docker.words()


def test_a_docker_stop_that_hangs_is_followed_by_a_start() -> None:
    docker = Docker()

    def hang(args: list[str]) -> tuple[int, str, str]:
        raise EngineUnavailable("`docker stop -t 10 registry7` did not finish in 40 s")

    docker.answers["stop"] = hang

    with pytest.raises(EngineUnavailable):
        RegistryContainer(Settings(), run=docker).collect()

    assert docker.words()[-1] == "start"


def test_a_stop_that_fails_is_said_and_the_registry_is_started_in_case() -> None:
    docker = Docker()
    docker.answers["stop"] = lambda args: (1, "", "Error response from daemon: boom")

    with pytest.raises(GcFailed, match=r"could not stop registry7: .*boom; nothing was done"):
        RegistryContainer(Settings(), run=docker).collect()

    assert "run" not in docker.words() and docker.words()[-1] == "start"


# -- the journal on a full disk -----------------------------------------------------------


def full_disk_from(monkeypatch: pytest.MonkeyPatch, phase: str) -> None:
    """Journal writes fail with ENOSPC once the journal reaches `phase`."""
    real = journal_module.write_json
    full = False

    def write_json(path: Any, document: dict[str, Any]) -> None:
        nonlocal full
        if document.get("phase") == phase or full:
            full = True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, document)

    monkeypatch.setattr(journal_module, "write_json", write_json)


async def test_a_disk_that_fills_while_the_registry_is_stopped_leaves_it_up_and_verified(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    journal = Journal.begin(
        service.settings, service.collector.key_of(container.inspect()), "registry7"
    )
    full_disk_from(monkeypatch, "collecting")

    result = await run_collection(service, journal, CollectionRequest())
    await service.aclose()

    assert container.running and container.collected == 1
    assert result.verification is not None and result.verification.ok
    assert journal.unsaved is not None and "no space left on device" in journal.unsaved
    monkeypatch.undo()
    on_disk = Journal.load(journal.path)
    assert on_disk is not None and on_disk.data["phase"] == "stopping"  # the last that fitted
    assert on_disk.needs_resume()  # so `gc --resume` verifies again once there is room


async def test_a_disk_full_before_the_stop_refuses_the_collection_and_stops_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    journal = Journal.begin(
        service.settings, service.collector.key_of(container.inspect()), "registry7"
    )
    full_disk_from(monkeypatch, "stopping")

    with pytest.raises(JournalUnavailable, match="no space left on device"):
        await run_collection(service, journal, CollectionRequest())
    await service.aclose()

    assert container.running and container.collected == 0


# -- a journal that cannot be read --------------------------------------------------------


def damage(service: CleanupService, container: FakeContainer, text: str) -> Journal:
    journal = Journal.begin(
        service.settings, service.collector.key_of(container.inspect()), "registry7"
    )
    journal.path.write_text(text)
    return journal


GARBAGE = '{"version": 1, "container": "registry7", "settings": "garbage", "state": "running",'
"""Cut short, and wrong where it is not."""


@pytest.mark.parametrize("running", [True, False])
async def test_a_damaged_journal_is_moved_aside_with_the_registrys_state(running: bool) -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, running=running)
    registry.down = not running
    service = fake_cleanup_service(registry, container)
    journal = damage(service, container, GARBAGE)

    with pytest.raises(JournalDamaged) as caught:
        await service.collector.collect_garbage()

    message = str(caught.value)
    assert f"the journal of a garbage collection, {journal.path}, could not be read" in message
    assert "cut short" in message and "it was moved aside to" in message
    if running:
        assert "is running, the engine says" in message
        assert "`buildtui registry ls` shows whether every tag is whole" in message
    else:
        assert "is stopped, the engine says" in message
        assert "start it (`docker start registry7`)" in message
    assert not journal.path.exists()
    assert list(journal.path.parent.glob("*.journal.json.bad-*"))
    # It is out of the way: the next collection runs.
    result = await service.collector.collect_garbage(start_stopped=True)
    assert result.verification is not None and result.verification.ok
    await service.aclose()


def test_a_damaged_journal_is_said_by_rm_its_dry_run_and_gc_dry_run_never_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    monkeypatch.setattr(
        "buildtui.cleanup.service.CleanupService",
        lambda settings: fake_cleanup_service(registry, container),
    )
    service = fake_cleanup_service(registry, container)
    for argv in (["rm", "--dry-run", "lab:v2"], ["rm", "-y", "lab:v2"], ["gc", "--dry-run"]):
        damage(service, container, GARBAGE)

        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("buildtui: the journal of a garbage collection"), argv
        assert "Traceback" not in err

        assert main(argv) in (0, 1)  # then the command itself runs
        assert "could not be read" not in capsys.readouterr().err
    assert "v2" not in registry.tags["lab"]  # the second rm went through


async def test_resume_of_a_damaged_journal_says_the_state_not_never_ran() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, running=False)
    registry.down = True
    service = fake_cleanup_service(registry, container)
    damage(service, container, GARBAGE)

    with pytest.raises(JournalDamaged, match="is stopped, the engine says"):
        await service.collector.resume_gc()
    with pytest.raises(GcRefused, match=r"could not be read and was moved to .*bad-"):
        await service.collector.resume_gc()
    await service.aclose()


async def test_another_containers_damaged_journal_affects_nothing_here() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    other = FakeContainer(registry, name="other", engine=container.engine)
    journal = Journal.begin(service.settings, service.collector.key_of(other.inspect()), "other")
    journal.path.write_text(GARBAGE)
    fifo = journal.path.with_name("fake-engine-0001_" + "9" * 64 + ".journal.json")
    os.mkfifo(fifo)

    assert service.collector.interruption() is None
    service.collector.check_idle()
    async with service.exclusive("deletion"):
        pass
    result = await service.collector.collect_garbage()
    await service.aclose()

    assert result.verification is not None and result.verification.ok
    assert journal.path.read_text() == GARBAGE and fifo.exists()


# -- the lock and the journal belong to the container, not to a name ----------------------


def test_two_spellings_of_one_engine_give_one_key() -> None:
    docker = Docker()
    docker.answers["info"] = lambda args: (0, '"1de37161-fba1-4609-a5bd-3a9a52c0ada0"\n', "")
    plain = CleanupService(Settings(), container=RegistryContainer(Settings(), run=docker))
    socket = Settings(docker_host="unix:///var/run/docker.sock")
    spelled = CleanupService(socket, container=RegistryContainer(socket, run=docker))

    first = plain.collector.key_of(plain.container.inspect())
    second = spelled.collector.key_of(spelled.container.inspect())

    assert first == second
    assert [
        "docker",
        "--host",
        "unix:///var/run/docker.sock",
        "info",
        "--format",
        "{{json .ID}}",
    ] in (docker.calls)
    RegistryLock.of(first, "registry7").acquire("garbage collection")
    with pytest.raises(CollectionBusy, match="a garbage collection of registry7 runs"):
        RegistryLock.of(second, "registry7").acquire("garbage collection")


def test_an_engine_that_gives_no_id_is_said() -> None:
    docker = Docker()
    docker.answers["info"] = lambda args: (1, "", "Cannot connect to the Docker daemon")
    control = RegistryContainer(Settings(docker_host="tcp://nowhere:2375"), run=docker)

    with pytest.raises(EngineUnavailable, match=r"does not answer|did not give the engine's ID"):
        control.engine_id()


async def test_resume_finds_the_renamed_registry_and_leaves_the_new_namesake_alone() -> None:
    registry = lab_fake_registry()
    interrupted = FakeContainer(registry, running=False)  # registry7, stopped by a collection
    registry.down = True
    service = fake_cleanup_service(registry, interrupted)
    graph_tags = [{"repository": "lab", "tag": "v2", "digest": registry.tags["lab"]["v2"]}]
    journal = Journal.begin(
        service.settings,
        service.collector.key_of(interrupted.inspect()),
        "registry7",
        was_running=True,
    )
    journal.update(tags=graph_tags, pid=4242)
    journal.phase("collecting")  # ... and its process died
    interrupted.name = "registry7-old"  # docker rename registry7 registry7-old
    namesake = FakeContainer(
        registry, name="registry7", running=False, engine=interrupted.engine, container_id="f" * 64
    )
    here = fake_cleanup_service(registry, namesake)

    assert here.collector.interruption() is not None
    resumed = await here.collector.resume_gc()
    await here.aclose()
    await service.aclose()

    assert interrupted.running and "started registry7-old" in interrupted.steps
    assert not namesake.running and namesake.steps == []
    assert resumed.container == "registry7-old"
    assert "registry7 was renamed registry7-old since the collection began" in resumed.note
    assert f"the container now named registry7 ({namesake.container_id[:12]})" in resumed.note
    assert "was not touched" in resumed.note
    assert resumed.verification is not None and resumed.verification.ok


async def test_a_collection_of_a_registry_that_is_gone_since_finishes_without_touching_any() -> (
    None
):
    registry = lab_fake_registry()
    gone = FakeContainer(registry, running=False)
    service = fake_cleanup_service(registry, gone)
    journal = Journal.begin(service.settings, service.collector.key_of(gone.inspect()), "registry7")
    journal.update(was_running=True)
    journal.phase("stopped")
    gone.missing = True
    namesake = FakeContainer(
        registry, name="registry7", running=False, engine=gone.engine, container_id="f" * 64
    )
    here = fake_cleanup_service(registry, namesake)

    resumed = await here.collector.resume_gc()
    await here.aclose()

    assert not namesake.running and namesake.steps == []
    assert "no longer exists: there is nothing to start or verify" in resumed.note
    with pytest.raises(GcRefused, match="no interrupted garbage collection"):
        await here.collector.resume_gc()


def test_an_interruption_names_the_resume_of_the_container_it_stopped() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    journal = Journal.begin(
        service.settings, service.collector.key_of(container.inspect()), "registry7"
    )
    journal.update(was_running=True)
    journal.phase("stopped")

    with pytest.raises(CollectionInterrupted, match="registry7 may still be stopped"):
        service.collector.check_idle()
    assert json.loads(journal.path.read_text())["container_id"] == container.container_id


def test_a_docker_command_left_by_a_killed_collection_is_waited_for() -> None:
    import subprocess
    import sys

    control = RegistryContainer(Settings())
    # A `docker stop -t 10 lab-reg` still running (argv[0] is what `ps` shows).
    stop = subprocess.Popen(
        ["docker", "-c", "import time; time.sleep(60)", "stop", "-t", "10", "lab-reg"],
        executable=sys.executable,
    )
    collector = subprocess.Popen(
        ["docker", "-c", "import time; time.sleep(60)", "run", "--rm", "--label",
         "dev.buildtui.collector-for=lab-reg", "registry:2"],
        executable=sys.executable,
    )  # fmt: skip
    for pid in (stop.pid, collector.pid):  # once exec has set their command lines
        while not Path(f"/proc/{pid}/cmdline").read_bytes():
            time.sleep(0.01)
    try:
        assert set(control.commands_in_flight("lab-reg")) == {stop.pid, collector.pid}
        assert control.commands_in_flight("lab-reg-2") == []
    finally:
        stop.kill()
        collector.kill()
        stop.wait()
        collector.wait()
    assert control.commands_in_flight("lab-reg") == []
    control.wait_for_commands("lab-reg", timeout=5)
