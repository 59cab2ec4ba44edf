"""Benchmark: `lab status --json`, `lab report` and the Lab pane's first items against
the length of the build history.

Run: .venv/bin/python bench/lab_history.py [--builds 0,200,2000] [--runs 3]
     [--registry http://localhost:5110 --registry-container reg-scale-lab]

For each count, a fresh data dir gets that many recorded builds (the captured lab builds
of tests/unit/buildlog/data, as `buildtui build` keeps them, pushing to and caching in
the registry given, with other projects' builds between them), then `lab status --json`
and `lab report --out FILE` run, each in a process of its own, `--runs` times; and the
app is started on the Lab pane, headless, and timed until its nine items are on screen
and until it has looked at everything. Goal: at most 1 s each, whatever the count.
The registry should answer (start one: docker run -d --name reg-scale-lab -p
127.0.0.1:5110:5000 -e REGISTRY_STORAGE_DELETE_ENABLED=true registry:2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.fakes.build import captured_log  # noqa: E402

from buildtui.buildlog.model import BuildModel  # noqa: E402
from buildtui.buildlog.summary import summarize  # noqa: E402
from buildtui.builds.history import BuildHistory  # noqa: E402

BUILDTUI = str(ROOT / ".venv" / "bin" / "buildtui")


def lab_argv(host: str) -> list[str]:
    return [
        "docker", "buildx", "build", "--progress=plain", "-f", "Dockerfile_multi",
        "-t", f"{host}/lab:cachetest", "--platform", "linux/amd64,linux/arm64", "--push",
        "--cache-to", f"type=registry,ref={host}/cachedata1,mode=max",
        "--cache-from", f"type=registry,ref={host}/cachedata1", ".",
    ]  # fmt: skip


def other_argv(number: int) -> list[str]:
    return ["docker", "buildx", "build", "-t", f"project{number % 7}:dev", "--load", "."]


def fill(history: BuildHistory, count: int, host: str) -> None:
    """`count` builds: the two lab builds at the end, other projects' builds before."""
    logs = {}
    for name in ("lab-first-build.log", "lab-second-build.log"):
        lines = [line.replace("localhost:32769", host) for line in captured_log(name)]
        model = BuildModel()
        model.feed(lines)
        model.finish()
        logs[name] = (lines, summarize(model, exit_code=0, wall_seconds=3.0))
    started = time.time() - count * 60
    for number in range(count):
        if number >= count - 2:
            name = "lab-first-build.log" if number == count - 2 else "lab-second-build.log"
            argv = lab_argv(host)
        else:
            name = "lab-second-build.log" if number % 2 else "lab-first-build.log"
            argv = other_argv(number)
        lines, summary = logs[name]
        history.add(
            started=started + number * 60,
            argv=argv,
            command=" ".join(argv),
            summary=summary,
            log_lines=lines,
        )


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode()[-400:]}")
    return seconds


async def pane(settings_flags: dict[str, str]) -> tuple[float, float]:
    """Seconds until the Lab pane's nine items are on screen, and until it has looked."""
    from buildtui.app.app import make_app
    from buildtui.settings import load_settings

    app = make_app(load_settings(settings_flags))
    started = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        app.action_show_pane("lab")
        shown = None
        while time.perf_counter() - started < 120:
            found = app.query("TabPane#lab > *")
            lab: Any = found.first() if found else None
            if lab is not None and shown is None and lab.table.row_count >= 9:
                shown = time.perf_counter() - started
            if lab is not None and lab.observations is not None and lab.table.row_count >= 9:
                return shown or time.perf_counter() - started, time.perf_counter() - started
            await pilot.pause(0.02)
    raise SystemExit("the Lab pane did not show its items in 2 minutes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", default="0,200,2000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--registry", default="http://localhost:5110")
    parser.add_argument("--registry-container", default="reg-scale-lab")
    parser.add_argument("--pane", action="store_true", help="(internal) time the pane only")
    args = parser.parse_args()
    flags = {"registry_url": args.registry, "registry_container": args.registry_container}
    if args.pane:
        on_screen, done = asyncio.run(pane(flags))
        print(json.dumps({"shown": on_screen, "looked": done}))
        return 0
    host = args.registry.split("://", 1)[-1]
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for count in (int(n) for n in args.builds.split(",")):
        with tempfile.TemporaryDirectory(prefix="buildtui-bench-lab-") as home:
            env = {
                **os.environ,
                "XDG_DATA_HOME": home,
                "XDG_CONFIG_HOME": home,
                "XDG_STATE_HOME": home,
            }
            os.environ.update({k: env[k] for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")})
            started = time.perf_counter()
            fill(BuildHistory(Path(home) / "buildtui" / "builds.sqlite3"), count, host)
            filled = time.perf_counter() - started
            common = [BUILDTUI, "--registry", args.registry]
            common += ["--registry-container", args.registry_container, "lab"]
            status: list[float] = []
            report: list[float] = []
            shown: list[float] = []
            looked: list[float] = []
            for _ in range(args.runs):
                status.append(timed([*common, "status", "--json"], env))
                out = str(Path(home) / "report.md")
                report.append(timed([*common, "report", "--out", out], env))
                result = subprocess.run(
                    [sys.executable, __file__, "--pane", "--registry", args.registry,
                     "--registry-container", args.registry_container],
                    env=env, capture_output=True, cwd=ROOT, check=True,
                )  # fmt: skip
                figures = json.loads(result.stdout.decode().strip().splitlines()[-1])
                shown.append(figures["shown"])
                looked.append(figures["looked"])

            def fmt(values: list[float]) -> str:
                return (
                    f"{', '.join(f'{v:.2f}' for v in values)} s "
                    f"(median {statistics.median(values):.2f})"
                )

            print(f"{count} builds (recorded in {filled:.1f} s):")
            print(f"  lab status --json: {fmt(status)}")
            print(f"  lab report:        {fmt(report)}")
            print(f"  Lab pane, nine items on screen: {fmt(shown)}")
            print(f"  Lab pane, everything looked at: {fmt(looked)}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
