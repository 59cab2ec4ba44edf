"""Garbage collection that outlives its caller, one at a time, resumable: on the real engine.

Each test starts its own registry:2 container with a fixed host port (a restart keeps
it), pushes the multi-arch base image and an amd64 image into it, and runs `buildtui
gc -y` as a process group of its own, as a terminal runs it. The moment the registry is
stopped is read from the collection's journal and `docker inspect`.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui.cleanup.journal import STOPPED_PHASES, ContainerKey, Damaged, Journal
from buildtui.cleanup.service import CleanupService
from buildtui.cleanup.verify import VerifyReport
from tests.integration.lab import TestRegistry, docker
from tests.integration.registry_fixtures import free_port
from tests.integration.test_cleanup import Lab, copy_image

UP_BOUND = 30.0
"""The registry must answer again within this many seconds, with no further command."""


def make_lab(registry_factory: Callable[..., TestRegistry], base_image: str, *extra: str) -> Lab:
    """A fresh registry (fixed port) holding lab:v1 (amd64 + arm64 index) and one:amd64."""
    port = free_port()
    env = Lab(registry_factory(None, ("-p", f"127.0.0.1:{port}:5000", *extra)), port)
    copy_image(base_image, env.ref("lab", "v1"))
    copy_image(base_image.rsplit(":", 1)[0] + ":amd64", env.ref("one", "amd64"))
    return env


@pytest.fixture
def gc_lab(registry_factory: Callable[..., TestRegistry], base_image: str) -> Lab:
    return make_lab(registry_factory, base_image)


@pytest.fixture
def slow_stop_lab(registry_factory: Callable[..., TestRegistry], base_image: str) -> Lab:
    """A registry that `docker stop` takes its whole grace time (10 s) to stop: it ignores
    its stop signal, so a collection stays in its "stopping" phase, the registry still
    answering, long enough for another command to run into it."""
    return make_lab(registry_factory, base_image, "--stop-signal", "SIGWINCH")


def wait_for_phase(env: Lab, phase: str) -> Journal:
    journal: Journal = wait_for(
        f"the collection's {phase} phase",
        lambda: (j := journal_of(env)) and j.data.get("phase") == phase and j,
    )
    return journal


def cli_env(env: Lab) -> dict[str, str]:
    return {
        **os.environ,
        "BUILDTUI_REGISTRY_URL": env.settings.registry_url,
        "BUILDTUI_REGISTRY_CONTAINER": env.registry.container,
    }


def start_gc(env: Lab, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """`buildtui gc -y ARGS` in a new session: its process group is what a terminal signals."""
    return subprocess.Popen(
        [sys.executable, "-m", "buildtui", "gc", "-y", *args],
        stdout=(tmp_path / "gc.out").open("w"),
        stderr=(tmp_path / "gc.err").open("w"),
        env=cli_env(env),
        text=True,
        start_new_session=True,
    )


_KEYS: dict[str, ContainerKey] = {}


def journal_of(env: Lab) -> Journal | None:
    """The registry's journal: named by the engine's ID and the container's, as buildtui
    names it (whatever --host spells the engine, whatever the container is named)."""
    key = _KEYS.get(env.registry.container)
    if key is None:
        engine = docker("info", "--format", "{{.ID}}").stdout.strip()
        container = docker("inspect", "-f", "{{.Id}}", env.registry.container).stdout.strip()
        key = _KEYS[env.registry.container] = ContainerKey(engine, container)
    try:
        return Journal.load(Journal.path_for(key))
    except Damaged:
        return None  # never seen half-written: each write is a rename


def running(env: Lab) -> bool:
    state = docker("inspect", "-f", "{{.State.Running}}", env.registry.container)
    return state.stdout.strip() == "true"


def wait_for(what: str, check: Callable[[], Any], bound: float = 60.0) -> Any:
    """Poll `check` until it returns something true; fail with `what` after `bound` s."""
    deadline = time.monotonic() + bound
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {bound:.0f} s")
        time.sleep(0.02)


def wait_until_stopped(env: Lab) -> Journal:
    """The collection's journal once the registry container is stopped for it."""

    def stopped() -> Journal | None:
        journal = journal_of(env)
        if journal is None or journal.data.get("phase") not in ("stopped", "collecting"):
            return None
        return journal if not running(env) else None

    journal: Journal = wait_for("the registry stopped by the collection", stopped)
    return journal


def answers(env: Lab) -> bool:
    try:
        return httpx.get(f"{env.url}/v2/", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def verify_every_tag(env: Lab) -> VerifyReport:
    async def work(service: CleanupService) -> VerifyReport:
        graph = await service.load()
        return await service.verify(graph, graph.tag_refs())

    return env.run(work)


def assert_whole(env: Lab, tags: list[str]) -> None:
    report = verify_every_tag(env)
    assert report.ok, report.summary()
    assert sorted(str(check.ref) for check in report.checks) == tags
    assert all(check.checked > 2 for check in report.checks)  # manifests and blobs


def finished(env: Lab) -> Journal:
    journal: Journal = wait_for(
        "the end of the collection", lambda: (j := journal_of(env)) and j.finished and j
    )
    return journal


TAGS = ["lab:v1", "one:amd64"]


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL])
def test_a_signal_to_the_gc_process_group_while_the_registry_is_stopped_does_not_leave_it_down(
    gc_lab: Lab, tmp_path: Path, signum: signal.Signals
) -> None:
    env = gc_lab
    gc = start_gc(env, tmp_path)
    journal = wait_until_stopped(env)
    assert journal.data["phase"] in STOPPED_PHASES

    os.killpg(gc.pid, signum)  # as a closing terminal or a `kill -- -PGID` does
    assert gc.wait(timeout=30) == -signum

    wait_for("the registry answering again", lambda: answers(env), UP_BOUND)
    assert running(env)
    done = finished(env)
    assert done.state == "done", done.data.get("error")
    assert done.data["result"]["verification"] is not None
    assert_whole(env, TAGS)


def test_two_collections_at_once_one_runs_the_other_is_refused_with_who_runs(
    slow_stop_lab: Lab, tmp_path: Path
) -> None:
    env = slow_stop_lab
    first = start_gc(env, tmp_path, "--json")
    journal = wait_for_phase(env, "stopping")

    second = env.cli("gc", "-y")

    assert second.returncode == 1
    assert f"a garbage collection of {env.registry.container} runs since" in second.stderr
    assert f"pid {journal.data['pid']}" in second.stderr
    assert "not a registry:2 container" not in second.stderr
    assert "Traceback" not in second.stderr
    assert first.wait(timeout=120) == 0
    document = json.loads((tmp_path / "gc.out").read_text())
    assert document["ok"] is True and document["verification"]["ok"] is True
    assert_whole(env, TAGS)


def test_rm_during_gc_is_refused_and_gc_reports_no_damaged_tag(
    slow_stop_lab: Lab, tmp_path: Path
) -> None:
    env = slow_stop_lab
    gc = start_gc(env, tmp_path)
    wait_for_phase(env, "stopping")
    assert answers(env)  # the tags were read, the registry still answers: the old race

    rm = env.cli("rm", "-y", "one:amd64")

    assert rm.returncode == 1
    assert f"a garbage collection of {env.registry.container} runs since" in rm.stderr
    assert "Traceback" not in rm.stderr
    assert gc.wait(timeout=120) == 0
    out = (tmp_path / "gc.out").read_text()
    assert "DAMAGED" not in out and "OK: all 2 remaining tags on " in out
    assert env.tags("one") == ["amd64"]  # the refused rm changed nothing
    # Once the collection is done, the same rm goes through.
    assert env.cli("rm", "-y", "one:amd64").returncode == 0
    assert_whole(env, ["lab:v1"])


def test_resume_after_the_collection_process_itself_is_killed(gc_lab: Lab, tmp_path: Path) -> None:
    env = gc_lab
    gc = start_gc(env, tmp_path)
    journal = wait_until_stopped(env)

    os.kill(int(journal.data["pid"]), signal.SIGKILL)  # the detached process itself
    assert gc.wait(timeout=60) == 1
    assert "was interrupted" in (tmp_path / "gc.err").read_text()
    wait_for("the collector to end", lambda: not docker(
        "ps", "-q", "--filter", f"label=dev.buildtui.collector-for={env.registry.container}"
    ).stdout.strip())  # fmt: skip
    assert not running(env)

    again = env.cli("gc", "-y")
    assert again.returncode == 1
    assert f"the garbage collection of {env.registry.container} started" in again.stderr
    assert "was interrupted" in again.stderr and "buildtui" in again.stderr
    assert "gc --resume" in again.stderr
    doctor = env.cli("doctor")
    assert "gc" in doctor.stdout and "was interrupted" in doctor.stdout
    assert not running(env)

    resumed = env.cli("gc", "--resume", "--json", timeout=120)

    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    assert document["resume"]["started"] is True
    assert document["resume"]["verification"]["ok"] is True
    assert answers(env)
    assert_whole(env, TAGS)
    assert "was interrupted" not in env.cli("doctor").stdout
    assert env.cli("gc", "--resume").returncode == 1  # nothing left to resume


def test_a_stopped_registry_is_collected_and_started_only_when_asked(gc_lab: Lab) -> None:
    env = gc_lab
    docker("stop", env.registry.container)

    left = env.cli("gc", "-y", "--json", timeout=120)

    assert left.returncode == 0, left.stderr
    document = json.loads(left.stdout)
    assert document["gc"]["left_stopped"] is True and document["verification"] is None
    assert not running(env)

    started = env.cli("gc", "-y", "--start", timeout=120)

    assert started.returncode == 0, started.stderr
    assert "OK: all 2 remaining tags on " in started.stdout
    assert running(env)
    assert_whole(env, TAGS)


def test_remove_empty_repo_removes_only_a_repository_without_tags_or_manifests(
    gc_lab: Lab,
) -> None:
    env = gc_lab
    assert env.cli("rm", "-y", "one:amd64").returncode == 0
    catalog = httpx.get(f"{env.url}/v2/_catalog").json()["repositories"]
    assert "one" in catalog  # registry:2 has no API to delete a repository

    dry = env.cli("gc", "--dry-run", "--remove-empty-repo", "one", "--remove-empty-repo", "lab")
    assert dry.returncode == 0, dry.stderr
    assert "repository one holds no tag and no manifest: it will be removed" in dry.stdout
    assert "repository lab kept: it still holds 1 tag: v1 (delete it first" in dry.stdout
    assert "one" in httpx.get(f"{env.url}/v2/_catalog").json()["repositories"]
    # Its last proposed command, pasted as it stands without the environment that pointed
    # this run at the registry: its own flags must reach this registry and container.
    kept = next(line for line in dry.stdout.splitlines() if "repository lab kept" in line)
    proposed = shlex.split(kept.split("`")[-2])
    assert proposed == [
        "buildtui", "--registry", env.settings.registry_url,
        "--registry-container", env.registry.container, "rm", "--untagged", "lab",
    ]  # fmt: skip
    bare = {k: v for k, v in os.environ.items() if not k.startswith("BUILDTUI_REGISTRY")}
    pasted = subprocess.run(
        [sys.executable, "-m", "buildtui", *proposed[1:], "--json"],
        capture_output=True, text=True, timeout=120, check=False, env=bare,
    )  # fmt: skip
    plan = json.loads(pasted.stdout)["plan"]  # lab holds nothing untagged: nothing to do
    assert plan["registry"] == env.settings.registry_url.removeprefix("http://")
    assert plan["refusals"] == ["the selection changes nothing"], pasted.stderr
    assert plan["follow_up_commands"] == [f"{shlex.join(proposed[:5])} gc"]

    done = env.cli(
        "gc", "-y", "--json", "--remove-empty-repo", "one", "--remove-empty-repo", "lab",
        timeout=120,
    )  # fmt: skip

    assert done.returncode == 1  # lab was asked for and kept
    document = json.loads(done.stdout)
    by_name = {r["name"]: r for r in document["gc"]["repositories"]}
    assert by_name["one"]["removed"] is True
    assert by_name["lab"]["removed"] is False and "v1" in by_name["lab"]["reason"]
    assert document["verification"]["ok"] is True
    assert httpx.get(f"{env.url}/v2/_catalog").json()["repositories"] == ["lab"]
    assert_whole(env, ["lab:v1"])


def test_sigterm_to_the_collection_process_finishes_the_start_then_exits(
    gc_lab: Lab, tmp_path: Path
) -> None:
    env = gc_lab
    gc = start_gc(env, tmp_path)
    journal = wait_until_stopped(env)

    os.kill(int(journal.data["pid"]), signal.SIGTERM)

    assert gc.wait(timeout=60) == 0
    assert running(env) and answers(env)
    done = finished(env)
    assert done.state == "done"
    assert done.data["result"]["verification"] is None
    assert "the tags were not verified" in (tmp_path / "gc.out").read_text()
    assert_whole(env, TAGS)


def test_an_ephemeral_port_that_moves_is_said_and_verified_at_the_new_address(
    registry_factory: Callable[..., TestRegistry], base_image: str
) -> None:
    registry = registry_factory()  # published with -p 127.0.0.1::5000 only
    env = Lab(registry, registry.port)
    copy_image(base_image, env.ref("lab", "v1"))

    dry = env.cli("gc", "--dry-run")
    assert f"publishes port {registry.port} as an ephemeral host port" in dry.stdout

    done = env.cli("gc", "-y", "--json", timeout=120)

    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    port = int(docker("port", registry.container, "5000/tcp").stdout.split(":")[-1])
    moved = f"http://localhost:{port}"
    if port == registry.port:  # the engine happened to give the same port back
        assert document["gc"]["registry_url"] is None
    else:
        assert document["gc"]["registry_url"] == moved
        assert any(f"answers at {moved} now" in w for w in document["gc"]["warnings"])
    assert document["verification"]["ok"] is True
    assert document["verification"]["tags"][0]["tag"] == "lab:v1"
