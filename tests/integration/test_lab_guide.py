"""Laboratory 7 end to end on the real engine, against a registry of its own.

The lab's steps are done through the app's Build pane (with the real runner and the
real history) and the command-line twins (`buildtui rm`, `buildtui gc`), with the
default docker driver and the local busybox base images. After each step
`buildtui lab status --json` must tick exactly the items that step does, and the
report must hold that run's real digests and CACHED lines.

Two steps cannot be done for real here, and the test checks what the guide says
instead: a docker-container builder cannot bootstrap (its BuildKit image cannot be
pulled), so item 2 is accepted on the docker driver with the containerd store; and
the engine is shared, so the builder's cache is never pruned: item 7 stays unticked
and says that no prune was seen, and a build whose cache import finds nothing while
its steps are CACHED is flagged as local-cache hits.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from buildtui.build.history import BuildHistory, default_path
from buildtui.build.options import argv_for_arguments
from buildtui.build.runner import BuildRunner
from buildtui.cli import main
from buildtui.settings import Settings
from tests.fakes.build_app import BuildPaneApp, settle
from tests.integration.lab import TestRegistry, docker, push_base_image, unique

DOCKERFILE = """\
FROM {base} AS build1
RUN echo hello from build1 {run} > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM {base} AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt; echo two
"""


def lab(settings: Settings, *args: str) -> tuple[int, str]:
    flags = ["--registry", settings.registry_url, "--registry-container"]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main([*flags, settings.registry_container, *args])
    return code, out.getvalue()


def status(settings: Settings) -> dict[str, Any]:
    code, out = lab(settings, "lab", "status", "--json")
    assert code == 0
    return json.loads(out)  # type: ignore[no-any-return]


def ticked(document: dict[str, Any]) -> set[int]:
    return {item["number"] for item in document["items"] if item["ticked"]}


def item(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in document["items"] if i["key"] == key)


async def run_in_build_pane(settings: Settings, arguments: Sequence[str]) -> None:
    """Run one build in the app's Build pane, as F5 or `r` does; it goes to the history."""
    argv = argv_for_arguments(list(arguments), settings)
    app = BuildPaneApp(BuildRunner(), default_path(), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        live = app.pane.start_build(argv)
        while live.running:
            await pilot.pause(0.5)
        await settle(pilot)
        assert live.summary is not None
        assert live.summary.exit_code == 0, "\n".join(live.lines[-20:])


@pytest.fixture
def lab_settings(registry_factory: Callable[..., TestRegistry], image_names: list[str]) -> Settings:
    registry = registry_factory()
    push_base_image(registry)
    return Settings(registry_url=f"http://{registry.host}", registry_container=registry.container)


async def test_the_items_tick_as_the_lab_is_done(
    lab_settings: Settings, tmp_path: Path, image_names: list[str]
) -> None:
    settings = lab_settings
    host = settings.registry_host
    run_word = unique("run")  # no step can come from an earlier run's local cache
    base = f"{host}/busybox:latest"
    (tmp_path / "Dockerfile_multi").write_text(DOCKERFILE.format(base=base, run=run_word))
    dockerfile = ["-f", str(tmp_path / "Dockerfile_multi")]
    both = ["--platform", "linux/amd64,linux/arm64"]
    image = f"{host}/lab:cachetest"
    cache = f"{host}/cachedata1"

    start = status(settings)
    # The engine emulates arm64; the docker driver with the containerd store is accepted
    # where a docker-container builder cannot be bootstrapped; the registry deletes.
    assert ticked(start) == {1, 2, 3}, start
    assert item(start, "builder")["status"] == "accepted"
    assert item(start, "pushed")["status"] == "todo"  # busybox was pushed, not built here

    # 4: a two-platform image pushed.
    await run_in_build_pane(settings, [*dockerfile, "-t", image, *both, "--push", str(tmp_path)])
    after_push = status(settings)
    assert ticked(after_push) == {1, 2, 3, 4}, after_push
    assert "linux/amd64 + linux/arm64" in " ".join(item(after_push, "pushed")["evidence"])

    # 5: another exporter, its result where it should be.
    out = tmp_path / "exported"
    await run_in_build_pane(
        settings,
        [*dockerfile, "--platform", "linux/arm64", "-o", f"type=local,dest={out}", str(tmp_path)],
    )
    assert (out / "arch.txt").exists() or (out / "a.txt").exists()
    assert ticked(status(settings)) == {1, 2, 3, 4, 5}

    # 6 (and 8, which the registry shows at once): the lab's build, cache mode=max.
    lab_build = [
        *dockerfile, "-t", image, *both, "--push",
        "--cache-to", f"type=registry,ref={cache},mode=max",
        "--cache-from", f"type=registry,ref={cache}", str(tmp_path),
    ]  # fmt: skip
    await run_in_build_pane(settings, lab_build)
    after_cache = status(settings)
    assert ticked(after_cache) == {1, 2, 3, 4, 5, 6, 8}, after_cache
    assert item(after_cache, "cache-import")["status"] == "todo"

    # 7 without a prune (the engine is shared): the import finds the cache, every step
    # is CACHED, and the guide does not tick it, saying why.
    await run_in_build_pane(settings, lab_build)
    second = status(settings)
    seven = item(second, "cache-import")
    assert seven["status"] == "todo", seven
    assert "No prune" in seven["note"]
    history = BuildHistory()
    latest = history.list()[0]
    assert latest.summary.cache_import == "found"
    assert latest.summary.cached == latest.summary.total > 0

    # The trap: CACHED steps while the cache import found nothing.
    missing_cache = f"{host}/{unique('nocache')}"
    await run_in_build_pane(
        settings,
        [*dockerfile, *both, "--cache-from", f"type=registry,ref={missing_cache}", str(tmp_path)],
    )
    trap = item(status(settings), "cache-import")
    assert trap["status"] == "attention", trap
    assert "local cache" in trap["note"]
    assert (trap["pane"], trap["preset"]) == ("builders", "prune")

    # 9: the cache image deleted, garbage collected, the image still pulls.
    code, _ = lab(settings, "rm", "cachedata1:latest", "-y")
    assert code == 0
    assert ticked(status(settings)) == {1, 2, 3, 4, 5, 6}  # the cache image is gone: 8 too
    code, _ = lab(settings, "gc", "-y")
    assert code == 0
    done = status(settings)
    assert ticked(done) == {1, 2, 3, 4, 5, 6, 9}, done
    assert any("Storage before" in line for line in item(done, "bonus")["evidence"])

    # The report holds this run's digests and CACHED lines.
    report = tmp_path / "lab7-report.md"
    code, _ = lab(settings, "lab", "report", "--out", str(report))
    assert code == 0
    text = report.read_text()
    index = docker("buildx", "imagetools", "inspect", image, "--format", "{{json .Manifest}}")
    digest = json.loads(index.stdout)["digest"]
    assert f"Digest:    {digest}" in text
    assert "  Platform:  linux/amd64" in text and "  Platform:  linux/arm64" in text
    build_ids = [entry.id for entry in history.list()]
    second_log = history.get(build_ids[1]).log
    cached = [line for line in second_log.splitlines() if line.endswith(" CACHED")]
    assert cached and all(line in text for line in cached)
    assert "importing cache manifest from " + cache in text
    assert "Storage before" in text
    page = tmp_path / "lab7-report.html"
    code, _ = lab(settings, "lab", "report", "--out", str(page), "--lang", "pl")
    assert code == 0
    html = page.read_text()
    assert f'<span class="cached">{cached[0]}</span>' in html
    assert "Laboratorium 7: sprawozdanie" in html
