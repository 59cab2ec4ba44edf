"""Laboratory 7 end to end on the real engine, against a registry of its own.

The lab's steps are done through the app's Build pane (with the real runner and the
real history) and the command-line twins (`buildtui rm`, `buildtui gc`), with the
default docker driver and the local busybox base images. After each step
`buildtui lab status --json` must tick exactly the items that step does, and the
report must hold that run's real digests and CACHED lines.

One step cannot be done for real here, and the test checks what the guide says
instead: a docker-container builder cannot bootstrap (its BuildKit image cannot be
pulled), so item 2 is accepted on the docker driver with the containerd store.

Item 7 is done for real: the lab's first build finds no registry cache yet its steps
are CACHED (the earlier builds left them in the local cache), which item 7 flags; after
the second, item 7 stays unticked and says that no prune was seen; then
`buildtui builders prune -a -y` prunes the default builder's cache (the engine's: the
integration tier runs one test at a time) and a third build, importing the registry
cache, ticks it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui.build.history import BuildHistory, default_path
from buildtui.build.options import argv_for_arguments
from buildtui.build.runner import BuildRunner
from buildtui.settings import Settings
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.services import settle
from tests.integration.lab import (
    REGISTRY_IMAGE,
    TestRegistry,
    docker,
    push_base_image,
    stop_registry,
    unique,
)

DOCKERFILE = """\
FROM {base} AS build1
RUN echo hello from build1 {run} > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM {base} AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt; echo two
"""


def lab(settings: Settings, *args: str) -> tuple[int, str]:
    """Run `buildtui` as a user does, with this registry's flags; (exit code, stdout)."""
    flags = ["--registry", settings.registry_url, "--registry-container"]
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", *flags, settings.registry_container, *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.returncode, result.stdout


def status(settings: Settings) -> dict[str, Any]:
    code, out = lab(settings, "lab", "status", "--json")
    assert code == 0
    return json.loads(out)  # type: ignore[no-any-return]


def delete_tag(settings: Settings, repository: str, tag: str = "latest") -> None:
    """Delete what `repository:tag` points at in the lab registry (if it is there)."""
    url = f"{settings.registry_url}/v2/{repository}/manifests"
    accept = ", ".join(
        (
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        )
    )
    head = httpx.head(f"{url}/{tag}", headers={"Accept": accept}, timeout=30)
    if head.status_code == 404:
        return
    head.raise_for_status()
    digest = head.headers["Docker-Content-Digest"]
    httpx.delete(f"{url}/{digest}", timeout=30).raise_for_status()


def ticked(document: dict[str, Any]) -> set[int]:
    return {item["number"] for item in document["items"] if item["ticked"]}


def item(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in document["items"] if i["key"] == key)


async def run_in_build_pane(
    settings: Settings,
    arguments: Sequence[str],
    before_retry: Callable[[], None] | None = None,
) -> None:
    """Run one build in the app's Build pane, as F5 or `r` does; it goes to the history.

    Run a second time after registry:2's occasional 500 during a push (as `docker_push`
    does: pushing again is idempotent), after `before_retry`; any other failure fails at
    once."""
    argv = argv_for_arguments(list(arguments), settings)
    for attempt in (1, 2):
        app = build_app(BuildRunner(), default_path(), settings=settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            live = build_pane(app).start_build(argv)
            while live.running:
                await pilot.pause(0.5)
            await settle(pilot)
        assert live.summary is not None
        tail = "\n".join(live.lines[-20:])
        if live.summary.exit_code != 0 and attempt == 1 and "500 Internal Server Error" in tail:
            if before_retry is not None:
                before_retry()
            continue
        assert live.summary.exit_code == 0, tail
        return


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def lab_settings(engine: None) -> Iterator[Settings]:
    """A registry of this test's own on a fixed port (the garbage collection restarts it:
    an ephemeral port would change), with deletion enabled and the base image."""
    name = unique("buildtui-lab-registry")
    port = free_port()
    registry = TestRegistry(
        container=name,
        port=port,
        volume=f"{name}-data",
        env={"REGISTRY_STORAGE_DELETE_ENABLED": "true"},
    )
    try:
        docker(
            "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5000",
            "-v", f"{registry.volume}:/var/lib/registry",
            "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true", REGISTRY_IMAGE,
        )  # fmt: skip
        for _ in range(200):
            try:
                if httpx.get(f"{registry.url}/v2/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        push_base_image(registry)
        yield Settings(registry_url=f"http://{registry.host}", registry_container=name)
    finally:
        stop_registry(registry)


async def test_the_items_tick_as_the_lab_is_done(lab_settings: Settings, tmp_path: Path) -> None:
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
    # A 500 on the image's push can come after the cache was exported: the retry then
    # meets the registry as the first attempt did, without the cache.
    await run_in_build_pane(settings, lab_build, lambda: delete_tag(settings, "cachedata1"))
    after_cache = status(settings)
    assert ticked(after_cache) == {1, 2, 3, 4, 5, 6, 8}, after_cache
    # The trap, for real: builds 1 and 2 left these steps in the builder's local
    # cache, so they are CACHED while the cache import found nothing (the first export).
    trap = item(after_cache, "cache-import")
    assert trap["status"] == "attention", trap
    assert "local cache" in trap["note"]
    assert (trap["pane"], trap["preset"]) == ("builders", "prune")
    first_lab = BuildHistory().list()[0].summary
    assert first_lab.cache_import == "not-found" and first_lab.cached > 0

    # 7 before a prune: the import finds the cache, every step
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

    # 7 for real: buildtui prunes the builder's cache (recorded for the guide), then the
    # lab's build again: every step comes from the registry cache it imports.
    code, printed = lab(settings, "builders", "prune", "--all", "--yes")
    assert code == 0 and printed.startswith("pruned "), printed
    await run_in_build_pane(settings, lab_build)
    third = history.list()[0]
    assert third.id != latest.id
    assert third.summary.cache_import == "found"
    assert third.summary.cached == third.summary.total > 0
    after_prune = status(settings)
    assert ticked(after_prune) == {1, 2, 3, 4, 5, 6, 7, 8}, after_prune
    seven = item(after_prune, "cache-import")
    assert seven["status"] == "done", seven
    total = third.summary.total
    assert seven["evidence"][0].startswith("Builder cache pruned: ")
    assert seven["evidence"][1:] == [
        f"Build {third.id}: cache import found {cache}",
        f"{total}/{total} steps CACHED",
    ], seven

    # 9: the cache image deleted, garbage collected, the image still pulls.
    code, _ = lab(settings, "rm", "cachedata1:latest", "-y")
    assert code == 0
    after_rm = status(settings)
    assert ticked(after_rm) == {1, 2, 3, 4, 5, 6, 7, 8}, after_rm  # 8 as it was seen before
    assert item(after_rm, "bonus")["note"] == "Run the garbage collector to reclaim the space."
    code, _ = lab(settings, "gc", "-y")
    assert code == 0
    done = status(settings)
    assert ticked(done) == set(range(1, 10)), done
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
    second_log = history.get(history.list()[0].id).log
    cached = [line for line in second_log.splitlines() if line.endswith(" CACHED")]
    assert cached and all(line in text for line in cached)
    assert "importing cache manifest from " + cache in text
    assert "Storage before" in text
    section = text.split("\n## 7. ", 1)[1].split("\n## 8. ", 1)[0]
    assert "✓ Status: done" in section
    assert "- " + seven["evidence"][0] in section
    assert f"- Build {third.id}: cache import found {cache}" in section
    assert f"- {total}/{total} steps CACHED" in section
    page = tmp_path / "lab7-report.html"
    code, _ = lab(settings, "lab", "report", "--out", str(page), "--lang", "pl")
    assert code == 0
    html = page.read_text()
    assert f'<span class="cached">{cached[0]}</span>' in html
    assert "Laboratorium 7: sprawozdanie" in html
