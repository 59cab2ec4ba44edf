"""What happens to a garbage collection's own files cannot leave the registry down: on the
real engine, with real registry:2 containers.

A full or immutable data dir while the registry is being stopped, a journal that is not
one (garbage, cut short, a FIFO), a second collection through another spelling of the
same engine, a registry renamed while its collection was interrupted, and kills at each
step. The tests find the journal by listing the data dir (`gc/*.journal.json`) and run
`buildtui` as the user would, so that they run unchanged against an older buildtui.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.lab import TestRegistry, docker, missing, unique
from tests.integration.registry_fixtures import free_port
from tests.integration.test_cleanup import Lab
from tests.integration.test_gc_interruptions import (
    TAGS,
    UP_BOUND,
    answers,
    assert_whole,
    make_lab,
    running,
    start_gc,
    wait_for,
)

COLLECTOR_LABEL = "dev.buildtui.collector-for"


def gc_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "buildtui" / "gc"


def journal_file() -> Path | None:
    found = sorted(gc_dir().glob("*.journal.json"))
    return found[0] if len(found) == 1 else None


def journal() -> dict[str, Any]:
    """The one journal in the data dir ({} while there is none, or it cannot be read)."""
    path = journal_file()
    try:
        document = json.loads(path.read_text()) if path is not None else {}
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def wait_for_phase(*phases: str, bound: float = 60.0) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        f"a journal in phase {' or '.join(phases)}",
        lambda: (j := journal()) and j.get("phase") in phases and j,
        bound,
    )
    return found


def no_collector(env: Lab) -> bool:
    return not docker(
        "ps", "-q", "--filter", f"label={COLLECTOR_LABEL}={env.registry.container}"
    ).stdout.strip()


def started_at(name: str) -> str:
    return docker("inspect", "-f", "{{.State.StartedAt}}", name).stdout.strip()


@pytest.fixture
def gc_lab(registry_factory: Callable[..., TestRegistry], base_image: str) -> Lab:
    return make_lab(registry_factory, base_image)


@pytest.fixture
def slow_stop_lab(registry_factory: Callable[..., TestRegistry], base_image: str) -> Lab:
    """`docker stop` takes its whole grace time (10 s): the collection stays in its
    "stopping" phase long enough for the disk to fill under it."""
    return make_lab(registry_factory, base_image, "--stop-signal", "SIGWINCH")


def root_only() -> None:
    if os.geteuid() != 0:
        missing("a full or immutable data dir needs root (mount a tmpfs, chattr +i)")


@pytest.fixture
def tiny_data_dir() -> Iterator[Path]:
    """The data dir on a 4 MiB tmpfs of its own, to be filled up."""
    root_only()
    data = Path(os.environ["XDG_DATA_HOME"])
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(data)],
                   check=True)  # fmt: skip
    try:
        yield data
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)


def fill(folder: Path) -> Path:
    """Write zeros into `folder` until its file system is full."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


# -- the registry is started again whatever happens to the journal ------------------------


def test_a_data_dir_that_fills_up_during_docker_stop_leaves_the_registry_up_and_verified(
    slow_stop_lab: Lab, tiny_data_dir: Path, tmp_path: Path
) -> None:
    env = slow_stop_lab
    gc = start_gc(env, tmp_path)
    wait_for_phase("stopping")
    filler = fill(tiny_data_dir)  # while `docker stop` waits for the registry

    code = gc.wait(timeout=120)

    wait_for("the registry answering again", lambda: answers(env), UP_BOUND)
    assert running(env)
    assert_whole(env, TAGS)
    err = (tmp_path / "gc.err").read_text()
    assert code == 1 and "Traceback" not in err
    assert "could not write its journal" in err and "no space left on device" in err
    assert " free on " in err and "move" not in err
    assert "gc --resume" in err
    # Once there is room, the resume it proposes verifies every tag.
    filler.unlink()
    resumed = env.cli("gc", "--resume", "--json", timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["resume"]["verification"]["ok"] is True


def test_a_data_dir_made_immutable_during_docker_stop_leaves_the_registry_up_and_verified(
    slow_stop_lab: Lab, tmp_path: Path
) -> None:
    root_only()
    env = slow_stop_lab
    gc = start_gc(env, tmp_path)
    wait_for_phase("stopping")
    folder = gc_dir()
    if subprocess.run(["chattr", "+i", str(folder)], check=False).returncode != 0:
        missing(f"chattr +i does not work on {folder} (an ext4 file system does it)")
    try:
        code = gc.wait(timeout=120)
        wait_for("the registry answering again", lambda: answers(env), UP_BOUND)
        assert running(env)
        assert_whole(env, TAGS)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False)
    err = (tmp_path / "gc.err").read_text()
    assert code == 1 and "Traceback" not in err
    assert "could not write its journal" in err and "refuses writes" in err
    resumed = env.cli("gc", "--resume", "--json", timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["resume"]["verification"]["ok"] is True


# -- a journal that is not one ------------------------------------------------------------


def test_a_malformed_journal_is_moved_aside_by_the_first_command_and_breaks_none(
    gc_lab: Lab,
) -> None:
    env = gc_lab
    assert env.cli("gc", "-y", timeout=120).returncode == 0
    path = journal_file()
    assert path is not None
    document = json.loads(path.read_text())
    # As its process left it when it died verifying, with one field gone bad.
    document.update(settings="garbage", state="running", phase="verifying")
    path.write_text(json.dumps(document))

    doctor = env.cli("doctor")
    commands = [
        env.cli("rm", "--dry-run", "one:amd64"),
        env.cli("gc", "--dry-run", timeout=120),
        env.cli("gc", "--resume"),
    ]

    assert "Traceback" not in doctor.stderr + doctor.stdout
    assert "could not be read (settings: a string, not an object)" in doctor.stdout
    assert f"{env.registry.container} (container " in doctor.stdout
    assert "is running, the engine says" in doctor.stdout
    assert not path.exists() and list(gc_dir().glob("*.journal.json.bad-*"))
    for done in commands:
        assert "Traceback" not in done.stderr + done.stdout, done.args
    assert commands[0].returncode == 0 and commands[1].returncode == 0
    assert "no interrupted garbage collection to resume" in commands[2].stderr
    assert_whole(env, TAGS)


def test_a_truncated_journal_of_a_stopped_registry_says_so_and_how_to_start_it(
    gc_lab: Lab, tmp_path: Path
) -> None:
    env = gc_lab
    gc = start_gc(env, tmp_path)
    stopped = wait_for_phase("stopped", "collecting")
    os.kill(int(stopped["pid"]), signal.SIGKILL)  # the collection's own process
    gc.wait(timeout=60)
    wait_for("the collector to end", lambda: no_collector(env))
    assert not running(env)
    path = journal_file()
    assert path is not None
    path.write_bytes(path.read_bytes()[:200])

    resumed = env.cli("gc", "--resume")

    assert resumed.returncode == 1 and "Traceback" not in resumed.stderr
    assert "never ran" not in resumed.stderr
    assert "could not be read" in resumed.stderr and "cut short" in resumed.stderr
    assert "is stopped, the engine says" in resumed.stderr
    start = f"`docker start {env.registry.container}`"
    assert start in resumed.stderr
    # The command it proposes works pasted as it stands.
    subprocess.run(start.strip("`").split(), check=True, capture_output=True)
    wait_for("the registry answering again", lambda: answers(env), UP_BOUND)
    assert_whole(env, TAGS)


def test_a_fifo_where_another_journal_should_be_blocks_nothing(gc_lab: Lab) -> None:
    env = gc_lab
    gc_dir().mkdir(parents=True, exist_ok=True)
    fifo = gc_dir() / f"somewhere_{'e' * 64}.journal.json"
    os.mkfifo(fifo)

    doctor = env.cli("doctor", timeout=30)
    dry = env.cli("gc", "--dry-run", timeout=60)

    assert "is a FIFO, not a regular file" in doctor.stdout
    assert f"rm -r {fifo}" in doctor.stdout
    assert dry.returncode == 0, dry.stderr
    assert fifo.exists()


# -- one collection per container, whatever spells the engine -----------------------------


def test_a_second_collection_through_another_host_spelling_is_refused(
    slow_stop_lab: Lab, tmp_path: Path
) -> None:
    env = slow_stop_lab
    first = start_gc(env, tmp_path, "--json")
    wait_for_phase("stopping")
    host = ("--host", "unix:///var/run/docker.sock")

    second = env.cli(*host, "gc", "-y", timeout=120)
    rm = env.cli(*host, "rm", "-y", "one:amd64", timeout=60)

    assert second.returncode == 1
    assert f"a garbage collection of {env.registry.container} runs since" in second.stderr
    assert rm.returncode == 1 and "a garbage collection of" in rm.stderr
    assert first.wait(timeout=120) == 0
    document = json.loads((tmp_path / "gc.out").read_text())
    assert document["ok"] is True and document["verification"]["ok"] is True
    assert_whole(env, TAGS)


# -- a registry renamed while its collection was interrupted ------------------------------


def test_resume_finds_the_renamed_registry_and_leaves_a_new_namesake_alone(
    gc_lab: Lab, tmp_path: Path
) -> None:
    env = gc_lab
    name = env.registry.container
    gc = start_gc(env, tmp_path)
    stopped = wait_for_phase("stopped", "collecting")
    os.kill(int(stopped["pid"]), signal.SIGKILL)
    gc.wait(timeout=60)
    wait_for("the collector to end", lambda: no_collector(env))
    renamed = unique("buildtui-test-renamed")
    docker("rename", name, renamed)
    namesake_volume = f"{name}-other"
    try:
        doctor = env.cli("doctor")
        assert f"({name} is named {renamed} now)" in doctor.stdout
        assert f"--registry-container {renamed} gc --resume" in doctor.stdout
        # Its proposal to run a registry in place of the missing one keeps the images.
        assert f"-v {env.registry.volume}:/var/lib/registry" in doctor.stdout

        # Someone starts another registry under the old name, elsewhere.
        docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{free_port()}:5000",
               "-v", f"{namesake_volume}:/var/lib/registry", "registry:2")  # fmt: skip
        before = started_at(name)

        resumed = env.cli("gc", "--resume", "--json", timeout=120)

        assert resumed.returncode == 0, resumed.stderr
        result = json.loads(resumed.stdout)["resume"]
        assert result["container"] == renamed and result["started"] is True
        assert result["verification"]["ok"] is True
        assert f"the container now named {name}" in result["note"]
        assert "was not touched" in result["note"]
        assert started_at(name) == before  # the namesake: not restarted, not verified
        assert docker("inspect", "-f", "{{.State.Running}}", renamed).stdout.strip() == "true"
        assert_whole(env, TAGS)
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", namesake_volume, check=False)
        docker("rename", renamed, name, check=False)  # for the fixture's clean-up


# -- kills at each step -------------------------------------------------------------------


STEPS = [("stopping",), ("stopped", "collecting"), ("starting", "started"), ("verifying",)]


@pytest.mark.parametrize("phases", STEPS, ids=["-".join(p) for p in STEPS])
def test_the_collection_process_killed_at_each_step_is_resumed_to_every_tag_verified(
    slow_stop_lab: Lab, tmp_path: Path, phases: tuple[str, ...]
) -> None:
    env = slow_stop_lab
    gc = start_gc(env, tmp_path)
    at = wait_for_phase(*phases)
    os.kill(int(at["pid"]), signal.SIGKILL)
    killed = time.monotonic()
    killed_in = journal().get("phase")
    gc.wait(timeout=60)

    resumed = env.cli("gc", "--resume", "--json", timeout=180)

    assert resumed.returncode == 0, (killed_in, resumed.stderr)
    result = json.loads(resumed.stdout)["resume"]
    assert result["verification"]["ok"] is True, killed_in
    # What the killed process had under way (a `docker stop` that takes its 10 s grace
    # time) has ended by now: the registry is up after it, not only before.
    time.sleep(max(0.0, killed + 15 - time.monotonic()))
    assert running(env) and answers(env), killed_in
    assert no_collector(env)
    assert_whole(env, TAGS)


@pytest.mark.parametrize("phases", STEPS, ids=["-".join(p) for p in STEPS])
def test_buildtui_gc_killed_at_each_step_leaves_the_registry_up_and_verified(
    slow_stop_lab: Lab, tmp_path: Path, phases: tuple[str, ...]
) -> None:
    env = slow_stop_lab
    gc = start_gc(env, tmp_path)
    wait_for_phase(*phases)

    os.killpg(gc.pid, signal.SIGKILL)
    assert gc.wait(timeout=30) == -signal.SIGKILL

    done = wait_for("the end of the collection", lambda: journal().get("state") == "done", 120)
    assert done
    assert journal()["result"]["verification"]["checks"]
    assert running(env) and answers(env)
    assert_whole(env, TAGS)
