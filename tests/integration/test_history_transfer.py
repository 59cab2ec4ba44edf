"""A student's plain `docker buildx build --progress=plain … 2>&1 | tee build.log` on the
real engine, imported into the history (`buildtui history import`), shown, compared with
a build the app ran, and replayed side by side with it; and a real build exported from one
data dir and imported into another.

The default builder's cache is the engine's: someone else's `docker buildx prune` between
the two builds would leave the second one uncached. The scenario then runs once more with
new names. (BuildKit skips a step whose result a later cached step makes unneeded: the
second build has some steps CACHED, not all.)
"""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from buildtui.app.builds.compare import BuildCompareScreen
from buildtui.app.builds.pane import BuildPane
from buildtui.app.services import BuildServices
from buildtui.builds.history import BuildHistory
from buildtui.cli import main
from tests.fakes.build import fixed_platforms
from tests.fakes.services import fake_services, pane_app, settle, until
from tests.integration.lab import TestRegistry, unique

DOCKERFILE = """\
FROM {base} AS build1
RUN echo {token} > /a.txt
RUN for i in 1 2 3; do echo "line $i"; done > /b.txt

FROM {base} AS prod
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt
"""


MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


@dataclass
class Scenario:
    plain_id: int
    app_id: int
    ref: str
    log: Path
    served: str
    """The digest the registry served for `ref` after the plain build."""


def run_scenario(
    tmp_path: Path,
    registry: TestRegistry,
    base: str,
    capsys: pytest.CaptureFixture[str],
    image_names: list[str],
) -> Scenario:
    token = unique("plain")
    context = tmp_path / token
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(DOCKERFILE.format(base=base, token=token))
    ref = registry.ref(token, "1")
    image_names.append(ref)  # the engine's image store keeps what the builds pushed
    cache = registry.ref(f"{token}-cache", "latest")
    args = [
        "--platform", "linux/amd64", "-t", ref, "--push",
        "--cache-to", f"type=registry,ref={cache},mode=max",
        "--cache-from", f"type=registry,ref={cache}", str(context),
    ]  # fmt: skip
    command = shlex.join(["docker", "buildx", "build", "--progress=plain", *args])
    log = tmp_path / f"{token}.log"
    # As the lab's instructions have students do it: the plain CLI, its output through tee.
    shell = f"set -o pipefail; {command} 2>&1 | tee {shlex.quote(str(log))}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    assert log.read_text().startswith("#0 building with")

    assert main(["history", "import", str(log), "--command", command, "--json"]) == 0
    plain_id = json.loads(capsys.readouterr().out)["id"]
    repository, tag = ref.split("/", 1)[1].split(":")
    served = httpx.head(
        f"{registry.url}/v2/{repository}/manifests/{tag}",
        headers={"Accept": ", ".join(MANIFEST_TYPES)},
    ).headers["Docker-Content-Digest"]
    # The same build run by buildtui afterwards: its steps come from the cache.
    assert main(["build", "--", *args]) == 0
    capsys.readouterr()
    app_id = BuildHistory().list()[0].id
    return Scenario(plain_id, app_id, ref, log, served)


async def test_a_plain_cli_build_is_imported_shown_compared_and_replayed(
    registry: TestRegistry,
    base_image: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    image_names: list[str],
) -> None:
    for attempt in range(2):
        scenario = run_scenario(tmp_path / str(attempt), registry, base_image, capsys, image_names)
        second = BuildHistory().get(scenario.app_id).entry.summary
        if second.cached:
            break
    else:
        pytest.fail("the engine's build cache was pruned between the two builds, twice")

    # history show: the imported build, marked, with what its log proves.
    assert main(["history", "show", str(scenario.plain_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    build, summary = shown["build"], shown["summary"]
    assert build["source"] == "plain-log" and build["imported"] is True
    assert build["origin"] == scenario.log.name
    assert build["exit_code"] == 0 and build["wall_seconds"] is None
    assert summary["cached"] == 0 and summary["total"] == 4  # RUN, RUN, COPY, RUN
    assert summary["cache_import"] == "not-found" and summary["cache_export"] == "ok"
    # The digest the log says was pushed is the one the registry served.
    assert summary["pushed_digest"] == scenario.served
    assert main(["history", "show", str(scenario.plain_id)]) == 0
    assert f"imported plain log {scenario.log.name}" in capsys.readouterr().out

    # Compared with the build buildtui ran, then both replayed side by side in the app.
    comparison = BuildHistory().compare(scenario.plain_id, scenario.app_id)
    assert len(comparison.now_cached) == second.cached > 0

    _, services = fake_services(tmp_path / "app")
    assert services.build is not None
    services.build = BuildServices(
        runner=services.build.runner, history=BuildHistory(), platforms=fixed_platforms
    )
    app = pane_app("build", services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        await pilot.press("f6")
        await settle(pilot)
        ids = [entry.id for entry in pane.entries]
        # Newest first: the app's build, then the imported one.
        assert ids[:2] == [scenario.app_id, scenario.plain_id]
        await pilot.press("c", "down", "c")
        await settle(pilot)
        assert isinstance(app.screen, BuildCompareScreen)
        assert app.screen.comparison.old.id == scenario.plain_id
        await pilot.press("p")
        await until(pilot, lambda: len(pane.replay_lives) == 2, "side by side")
        await until(pilot, lambda: not any(live.running for live in pane.replay_lives), "replayed")
        await pilot.pause()
        old, new = (live.summary for live in pane.replay_lives)
        assert old is not None and new is not None
        assert (old.cached, new.cached) == (0, second.cached)
        assert old.wall_seconds is None and new.wall_seconds == second.wall_seconds
        verdict = pane.query_one("#pair-verdict")
        assert (
            f"{second.cached} step{'' if second.cached == 1 else 's'} went from run to CACHED"
            in str(verdict.render())
        )
        banner = str(pane.query_one("#replay-banner").render())
        assert f"#{scenario.plain_id} kept without timing: 40 lines a second" in banner


def test_a_real_build_exported_here_replays_from_another_data_dir(
    registry: TestRegistry,
    base_image: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    image_names: list[str],
) -> None:
    token = unique("export")
    context = tmp_path / token
    context.mkdir()
    (context / "Dockerfile").write_text(DOCKERFILE.format(base=base_image, token=token))
    ref = registry.ref(token, "1")
    image_names.append(ref)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "laptop"))
    assert main([
        "build", "--", "--platform", "linux/amd64", "--build-arg", f"NOTE={token}-secret",
        "-t", ref, "--push", str(context),
    ]) == 0  # fmt: skip
    capsys.readouterr()
    (entry,) = BuildHistory().list()
    out = tmp_path / "demo.json"
    assert main(["history", "export", str(entry.id), "--out", str(out)]) == 0
    capsys.readouterr()
    assert f"{token}-secret" not in out.read_text()

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "classroom"))
    assert main(["history", "import", str(out), "--json"]) == 0
    new_id = json.loads(capsys.readouterr().out)["id"]
    there = BuildHistory().get(new_id)
    assert there.entry.summary.pushed == entry.summary.pushed
    assert there.entry.summary.wall_seconds == entry.summary.wall_seconds
    assert there.timing and there.timing[-1][0] == entry.log_lines
    assert "NOTE=…" in there.entry.argv
