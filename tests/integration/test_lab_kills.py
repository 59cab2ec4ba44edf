"""`lab up` killed half-way leaves nothing `lab down` cannot remove, and no image lost;
`lab down -y` never removes a volume another container mounts. On the real engine.

Each kill is a SIGKILL of `buildtui lab up`'s whole process group (the docker CLI it runs
included) the moment the engine reports the step (`docker events`): after the data
volume is created, after the container is created and before it starts, once it runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.lab import docker, unique
from tests.integration.test_lab_setup import Lab, push_busybox, serves

LABEL = "io.github.buildtui.lab"


@pytest.fixture
def lab(engine: None) -> Iterator[Lab]:
    made = Lab()
    try:
        yield made
    finally:
        made.cleanup()
        for found in labelled_containers(made.container):
            docker("rm", "-f", found, check=False)
        for volume in labelled_volumes(made.container):
            docker("volume", "rm", "-f", volume, check=False)


def labelled_containers(name: str) -> list[str]:
    listed = docker("ps", "-a", "-q", "--filter", f"label={LABEL}={name}").stdout
    return listed.split()


def labelled_volumes(name: str) -> list[str]:
    listed = docker("volume", "ls", "-q", "--filter", f"label={LABEL}={name}").stdout
    return listed.split()


def cli(lab: Lab, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *lab.flags(), "lab", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


Event = dict[str, Any]


def kill_lab_up_when(
    lab: Lab, moment: Callable[[Event], bool], *args: str, tmp_path: Path
) -> Event:
    """Start `lab up ARGS` in a process group of its own; SIGKILL the group at the first
    engine event `moment` accepts. The event is returned (the test fails without one)."""
    since = f"{time.time():.3f}"  # replayed from then, however late the stream connects
    events = subprocess.Popen(
        ["docker", "events", "--since", since, "--format", "{{json .}}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: list[Event] = []
    up: subprocess.Popen[bytes] | None = None
    ready = threading.Event()

    def watch() -> None:
        assert events.stdout is not None
        ready.set()
        for line in events.stdout:
            event = json.loads(line)
            if moment(event):
                seen.append(event)
                if up is not None:
                    os.killpg(up.pid, signal.SIGKILL)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ready.wait(5)
    try:
        up = subprocess.Popen(
            [sys.executable, "-m", "buildtui", *lab.flags(), "lab", "up", *args],
            stdout=(tmp_path / "up.out").open("w"),
            stderr=(tmp_path / "up.err").open("w"),
            start_new_session=True,
        )
        code = up.wait(timeout=180)
        watcher.join(5)
    finally:
        events.kill()
        events.wait()
    assert seen, f"lab up ended ({code}) before the step: {(tmp_path / 'up.err').read_text()}"
    assert code == -signal.SIGKILL
    return seen[0]


def container_event(name: str, action: str) -> Callable[[Event], bool]:
    def matches(event: Event) -> bool:
        actor = event.get("Actor", {}).get("Attributes", {})
        return (
            event.get("Type") == "container"
            and event.get("Action") == action
            and str(actor.get("name", "")).startswith(name)
        )

    return matches


def volume_created(name: str) -> Callable[[Event], bool]:
    def matches(event: Event) -> bool:
        return (
            event.get("Type") == "volume"
            and event.get("Action") == "create"
            and event.get("Actor", {}).get("ID") == name
        )

    return matches


def nothing_left(lab: Lab) -> None:
    assert docker("container", "inspect", lab.container, check=False).returncode != 0
    assert labelled_containers(lab.container) == []
    assert labelled_volumes(lab.container) == []
    assert docker("volume", "inspect", lab.volume, check=False).returncode != 0


MOMENTS = ["volume created", "container created", "container started"]


@pytest.mark.parametrize("moment", MOMENTS)
def test_lab_up_killed_at_each_step_leaves_nothing_lab_down_cannot_remove(
    lab: Lab, moment: str, tmp_path: Path
) -> None:
    accept = {
        "volume created": volume_created(lab.volume),
        "container created": container_event(lab.container, "create"),
        "container started": container_event(lab.container, "start"),
    }[moment]
    kill_lab_up_when(lab, accept, tmp_path=tmp_path)

    down = cli(lab, "down", "-y", "--json")

    assert down.returncode == 0, down.stderr
    assert "Traceback" not in down.stderr
    nothing_left(lab)


def test_lab_up_killed_after_a_step_is_finished_by_the_next_lab_up(
    lab: Lab, tmp_path: Path
) -> None:
    kill_lab_up_when(lab, container_event(lab.container, "create"), tmp_path=tmp_path)

    again = cli(lab, "up", "--json")

    assert again.returncode == 0, again.stderr
    assert serves_registry(lab)
    down = cli(lab, "down", "-y", "--json")
    assert down.returncode == 0, down.stderr
    assert ("removed", "container") in kinds(json.loads(down.stdout))
    nothing_left(lab)


def test_lab_up_killed_while_it_creates_its_builder_leaves_it_to_lab_down(
    lab: Lab, tmp_path: Path
) -> None:
    builder = unique("buildtui-test-lab-builder")
    lab.builders.append(builder)
    up = subprocess.Popen(
        [sys.executable, "-m", "buildtui", *lab.flags(), "lab", "up", "--builder", builder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(1200):
            if docker("buildx", "inspect", builder, check=False).returncode == 0:
                break
            if up.poll() is not None:
                pytest.fail("lab up ended before its builder existed")
            time.sleep(0.05)
        os.killpg(up.pid, signal.SIGKILL)
    finally:
        up.wait(timeout=60)

    down = cli(lab, "down", "-y", "--json")

    assert down.returncode == 0, down.stderr
    assert ("removed", "builder") in kinds(json.loads(down.stdout))
    assert docker("buildx", "inspect", builder, check=False).returncode != 0
    nothing_left(lab)


RECREATE_MOMENTS = ["copy created", "replacement created", "old one removed"]


@pytest.mark.parametrize("moment", RECREATE_MOMENTS)
def test_a_recreate_killed_at_each_step_loses_no_image(
    lab: Lab, moment: str, tmp_path: Path
) -> None:
    # As the lab starts it: its images in the container's own layer.
    docker("run", "-d", "--name", lab.container, "-p", f"127.0.0.1:{lab.port}:5000", "registry:2")
    assert cli(lab, "up").returncode in (0, 1)  # waits for it to answer (deletion is off)
    push_busybox(lab.port, "kept")
    old = docker("inspect", "-f", "{{.Id}}", lab.container).stdout.strip()
    accept = {
        "copy created": container_event(f"{lab.container}-copy-", "create"),
        "replacement created": container_event(f"{lab.container}-new-", "create"),
        "old one removed": lambda e: (
            e.get("Type") == "container"
            and e.get("Action") == "destroy"
            and e.get("Actor", {}).get("ID") == old
        ),
    }[moment]
    kill_lab_up_when(lab, accept, "--recreate", tmp_path=tmp_path)

    again = cli(lab, "up", "--recreate", "--json")

    assert again.returncode == 0, again.stderr
    assert serves(lab.port, "kept")
    assert docker("ps", "-a", "-q", "--filter", f"name=^{lab.container}-").stdout.strip() == ""
    down = cli(lab, "down", "-y", "--json")
    assert down.returncode == 0, down.stderr
    nothing_left(lab)


def test_lab_down_never_removes_a_volume_another_container_mounts(lab: Lab) -> None:
    assert cli(lab, "up").returncode == 0
    other = unique("buildtui-test-mounts")
    docker("create", "--name", other, "-v", f"{lab.volume}:/data", "registry:2")
    try:
        down = cli(lab, "down", "-y", "--json")

        assert down.returncode == 0, down.stderr
        outcomes = json.loads(down.stdout)["outcomes"]
        kept = next(o for o in outcomes if o["what"] == "volume")
        assert kept["kind"] == "kept" and f"container {other} mounts it" in kept["detail"]
        assert docker("volume", "inspect", lab.volume, check=False).returncode == 0
    finally:
        docker("rm", "-f", other, check=False)
    again = cli(lab, "down", "-y", "--json")  # once it is gone, the volume goes
    assert ("removed", "volume") in kinds(json.loads(again.stdout))
    nothing_left(lab)


def test_lab_down_leaves_a_running_registry_it_did_not_create_and_says_so(lab: Lab) -> None:
    docker("run", "-d", "--name", lab.container, "registry:2")

    down = cli(lab, "down", "-y", "--json")

    assert down.returncode == 0
    (outcome,) = json.loads(down.stdout)["outcomes"]
    assert (outcome["kind"], outcome["detail"]) == ("kept", "not created by `lab up`; left alone")
    assert docker("inspect", "-f", "{{.State.Running}}", lab.container).stdout.strip() == "true"


def kinds(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["kind"], o["what"]) for o in document["outcomes"]]


def serves_registry(lab: Lab) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{lab.port}/v2/", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_lab_up_on_a_full_data_dir_says_no_space_left_and_creates_nothing(lab: Lab) -> None:
    if os.geteuid() != 0:
        from tests.integration.lab import missing

        missing("a full data dir needs root (mount a tmpfs)")
    data = Path(os.environ["XDG_DATA_HOME"])
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(data)], check=True)
    try:
        filler = data / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()

        up = cli(lab, "up")

        assert up.returncode == 1 and "Traceback" not in up.stderr
        assert "no space left on device" in up.stderr and " free on " in up.stderr
        nothing_left(lab)
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)
