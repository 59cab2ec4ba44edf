"""Write SVG screenshots of every pane of the real app, on the real engine, into screenshots/.

It starts a throw-away `registry:2` container on a free port, pushes the
multi-arch busybox base image into it, runs the lab's multi-platform build with
a registry cache (mode=max) so the registry has an index, attestations and a
cache image, then drives the app headless: the Builders pane, the same build run
again from the Build pane (its steps come from the cache), the Registry pane on
`lab:cachetest`, the Clean-up pane planning the cache deletion, the Lab pane's
checklist (also in Polish), the doctor, Clean-up's space view and the Build pane's
stage graph; then the lab is submitted to a class repository in the same registry
and the Class pane shows it.
Everything it creates is removed at the end; the build history goes to a
temporary data dir.

    .venv/bin/python scripts/screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

DOCKERFILE = """\
FROM {base} AS build1
RUN mkdir -p /var/node && echo "built for $(uname -m)" > /var/node/arch
WORKDIR /var/node
RUN for i in 1 2 3; do echo "step $i"; done > steps.txt
FROM {base} AS prod
COPY --from=build1 /var/node /var/node
WORKDIR /var/node
CMD ["cat", "arch"]
"""
SIZE = (140, 40)


def docker(*args: str) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def lab_registry() -> Iterator[tuple[str, int]]:
    """A registry:2 container named like registry7's stand-in, on a fixed free port."""
    name = f"buildtui-shots-{uuid.uuid4().hex[:6]}"
    port = free_port()
    docker(
        "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5000",
        "-v", f"{name}-data:/var/lib/registry",
        "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true", "registry:2",
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the registry container {name} did not answer")
            time.sleep(0.1)
        yield name, port
    finally:
        subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True, check=False)
        subprocess.run(["docker", "volume", "rm", "-f", f"{name}-data"], capture_output=True)


def push_base(host: str) -> str:
    for arch in ("amd64", "arm64"):
        target = f"{host}/busybox:{arch}"
        docker("tag", f"buildtui-lab/busybox:{arch}", target)
        docker("push", "-q", target)
        docker("rmi", target)
    base = f"{host}/busybox:latest"
    docker(
        "buildx", "imagetools", "create", "-t", base,
        f"{host}/busybox:amd64", f"{host}/busybox:arm64",
    )  # fmt: skip
    return base


def lab_build_argv(host: str, context: Path) -> list[str]:
    """The lab's build: two platforms, pushed, with a registry cache in mode max."""
    return [
        "docker", "buildx", "build", "--progress=plain",
        "-f", str(context / "Dockerfile_multi"),
        "-t", f"{host}/lab:cachetest",
        "--platform", "linux/amd64,linux/arm64", "--push",
        "--cache-to", f"type=registry,ref={host}/cachedata1,mode=max",
        "--cache-from", f"type=registry,ref={host}/cachedata1",
        str(context),
    ]  # fmt: skip


async def until(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the app")
        await asyncio.sleep(0.1)


async def take(out: Path, registry_name: str, host: str, argv: list[str], context: Path) -> None:
    from textual.pilot import Pilot
    from textual.widgets import DataTable

    from buildtui.app.app import BuildTUI, make_app
    from buildtui.app.builds.pane import BuildPane
    from buildtui.settings import Settings

    settings = Settings(registry_url=f"http://{host}", registry_container=registry_name)
    app = make_app(settings)

    async def settle(pilot: Pilot[None]) -> None:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()

    def shot(name: str) -> None:
        app.save_screenshot(filename=f"{name}.svg", path=str(out))
        print(f"wrote {out / name}.svg")

    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app, BuildTUI)
        await until(lambda: app.status is not None)
        await settle(pilot)
        shot("builders")

        await pilot.press("2")
        pane = app.query_one(BuildPane)
        live = pane.start_build(argv, context / "Dockerfile_multi", ["linux/amd64", "linux/arm64"])
        await until(lambda: not live.running, timeout=180)
        await settle(pilot)
        shot("build")

        await pilot.press("3")
        await settle(pilot)
        for key in ("down", "down", "enter"):  # busybox -> cachedata1 -> lab
            await pilot.press(key)
            await settle(pilot)
        shot("registry")

        await pilot.press("4")
        await settle(pilot)
        for key in ("down", "down", "down", "space"):  # select cachedata1:latest
            await pilot.press(key)
            await settle(pilot)
        shot("cleanup")

        await pilot.press("s")  # where the space goes
        await settle(pilot)
        shot("cleanup-space")
        await pilot.press("s")
        await settle(pilot)

        await pilot.press("5")
        await settle(pilot)
        await until(lambda: app.query_one("#lab-table", DataTable).row_count == 9)
        await pilot.press("down", "down", "down")  # 4: the two-platform image and its digest
        await settle(pilot)
        shot("lab")

        await pilot.press("l")  # the whole app in Polish
        await settle(pilot)
        shot("lab-pl")
        await pilot.press("l")
        await settle(pilot)

        await pilot.press("2")
        await settle(pilot)
        await pilot.press("g")  # the stage graph
        await settle(pilot)
        shot("build-graph")

        await pilot.press("d")
        await pilot.pause(0.3)
        shot("doctor")


async def take_class(out: Path, registry_name: str, host: str) -> None:
    from buildtui.app.classroom.app import make_class_app
    from buildtui.app.classroom.pane import ClassPane
    from buildtui.classroom.ref import parse_class_ref
    from buildtui.classroom.service import ClassService
    from buildtui.settings import Settings

    settings = Settings(registry_url=f"http://{host}", registry_container=registry_name)
    service = ClassService(settings, parse_class_ref(f"{host}/lab7-class"))
    app = make_class_app(settings, service, "en")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: bool(app.screen.query(ClassPane)))
        pane = app.screen.query_one(ClassPane)
        await pilot.pause(0.3)
        await until(lambda: not pane.reading and all(w.is_finished for w in app.workers))
        await pilot.pause(0.3)
        app.save_screenshot(filename="class.svg", path=str(out))
        print(f"wrote {out / 'class'}.svg")


def submit(host: str, registry_name: str, context: Path) -> None:
    """`buildtui lab submit` as a student would, from the lab's folder."""
    command = [
        sys.executable, "-m", "buildtui", "--registry", f"http://{host}",
        "--registry-container", registry_name, "lab", "submit",
        "--to", f"{host}/lab7-class", "--student", "Anna Nowak",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=context, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"lab submit failed: {done.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="buildtui-shots-") as tmp:
        # The app's build history and settings go to the temporary dir.
        os.environ["XDG_DATA_HOME"] = str(Path(tmp, "data"))
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp, "config"))
        context = Path(tmp, "lab")
        context.mkdir()
        with lab_registry() as (name, port):
            host = f"localhost:{port}"
            base = push_base(host)
            (context / "Dockerfile_multi").write_text(DOCKERFILE.format(base=base))
            argv = lab_build_argv(host, context)
            first = subprocess.run(argv, capture_output=True, text=True, check=False)
            if first.returncode != 0:
                print(first.stderr[-2000:], file=sys.stderr)
                return 1
            asyncio.run(take(args.out, name, host, argv, context))
            submit(host, name, context)
            asyncio.run(take_class(args.out, name, host))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
