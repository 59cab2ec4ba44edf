"""How soon the app follows `docker stop` and `docker start` of the lab registry's container.

Run on the lab engine: `.venv/bin/python bench/engine_events.py [--rounds N]`.

Starts a registry:2 container of its own on a free port (`-p 127.0.0.1:PORT:5000`, so the
address stays across restarts), runs the whole app headless on it with the real
services, with the Clean-up pane in front and the periodic status probe turned off
(only the engine's events can make it follow), then for each round:

- `docker stop`: seconds from the command's return until the status bar says the
  registry is down, and until the Clean-up pane shows its error;
- `docker start`: seconds until the bar says it is up again, and until the pane's error
  is gone and its rows are back.

Also times one `probe_engine` (what the bar runs on each change) and one event's way from
`docker stop` to the app (the `EngineEvents` callback alone).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import httpx

from buildtui.app import app as app_module
from buildtui.app.app import BuildTUI, make_app
from buildtui.app.cleanup.message_box import CleanupMessage
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.wiring import make_services
from buildtui.doctor import probe_engine
from buildtui.engine.events import ContainerChange, EngineEvents
from buildtui.settings import Settings


def docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_answers(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v2/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not answer")


def figures(label: str, samples: list[float]) -> str:
    return (
        f"{label:<52} n={len(samples)}  min {min(samples):5.2f} s  "
        f"median {statistics.median(samples):5.2f} s  max {max(samples):5.2f} s"
    )


def registry_down(app: BuildTUI) -> bool:
    return app.status is not None and not app.status.registry_up


def registry_up(app: BuildTUI) -> bool:
    return app.status is not None and app.status.registry_up


def pane_error(app: BuildTUI) -> bool:
    return app.query_one(CleanupMessage).has_class("shown")


def pane_clear(app: BuildTUI) -> bool:
    """No error, and the registry read (its error only goes once a read succeeds)."""
    return not app.query_one(CleanupMessage).has_class("shown") and (
        app.query_one(CleanupPane).graph is not None
    )


async def until(pilot, what: Callable[[], bool], started: float, limit: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    while not what():
        if time.monotonic() - started > limit:
            raise SystemExit(f"not followed within {limit} s")
        await pilot.pause(0.02)
    return time.monotonic() - started


async def follow(settings: Settings, container: str, rounds: int) -> dict[str, list[float]]:
    app_module.STATUS_INTERVAL = 24 * 3600.0  # only the events make it follow
    app = make_app(settings, make_services(settings))
    out: dict[str, list[float]] = {
        k: [] for k in ("bar down", "pane error", "bar up", "pane clear")
    }
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("4")
        started = time.monotonic()
        await until(pilot, lambda: registry_up(app) and pane_clear(app), started, 60)
        await pilot.pause(1.0)
        for _ in range(rounds):
            await asyncio.to_thread(docker, "stop", container)
            started = time.monotonic()
            out["bar down"].append(await until(pilot, lambda: registry_down(app), started))
            out["pane error"].append(await until(pilot, lambda: pane_error(app), started))
            await pilot.pause(1.0)
            await asyncio.to_thread(docker, "start", container)
            started = time.monotonic()
            out["bar up"].append(await until(pilot, lambda: registry_up(app), started))
            out["pane clear"].append(await until(pilot, lambda: pane_clear(app), started))
            await pilot.pause(1.0)
    return out


def callback_latency(settings: Settings, container: str, rounds: int) -> list[float]:
    got = threading.Event()
    events = EngineEvents(settings)

    def changed(change: ContainerChange) -> None:
        if change.action == "die":
            got.set()

    events.start(changed)
    time.sleep(1.0)
    samples = []
    for _ in range(rounds):
        got.clear()
        docker("stop", container)
        returned = time.monotonic()
        got.wait(30)
        samples.append(max(0.0, time.monotonic() - returned))
        docker("start", container)
        wait_answers(settings.registry_url)
    events.stop()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    name = f"buildtui-bench-events-{uuid.uuid4().hex[:8]}"
    port = free_port()
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5000",
           "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true", "registry:2")  # fmt: skip
    settings = Settings(registry_url=f"http://localhost:{port}", registry_container=name)
    try:
        wait_answers(settings.registry_url)
        probes = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            probe_engine(settings)
            probes.append(time.perf_counter() - started)
        print(figures("probe_engine (the bar's probe)", probes))
        print(figures("docker stop -> EngineEvents callback (die)", callback_latency(
            settings, name, args.rounds)))  # fmt: skip
        for label, samples in asyncio.run(follow(settings, name, args.rounds)).items():
            print(figures(f"docker {'stop' if 'down' in label or 'error' in label else 'start'}"
                          f" -> {label}", samples))  # fmt: skip
    finally:
        subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True)


if __name__ == "__main__":
    main()
