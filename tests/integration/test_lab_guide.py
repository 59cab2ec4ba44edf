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

The evidence must be the student's own and kept once proven: another student's cache
(`barscache-…`, exported by a build this history did not record) is in the registry from
the start and never ticks item 8; once the lab is done, the registry is stopped (every
item stays done, the notes say it is down, nothing blames the collector) and started
again; a build after the bonus step finds no registry cache, and item 7 stays done with a
note. The report is checked for all of it, and its HTML is printed to PDF by a real
browser (Debian's chromium), whose text must hold the lab's whole commands.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui.builds.history import BuildHistory, default_path
from buildtui.builds.options import argv_for_arguments, shown_command
from buildtui.builds.runner import BuildRunner
from buildtui.settings import Settings
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.english_left import markdown_prose, sizes_with_a_point, untranslated
from tests.fakes.services import settle
from tests.integration.lab import (
    REGISTRY_IMAGE,
    TestRegistry,
    docker,
    docker_push,
    missing,
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


def lab(settings: Settings, *args: str, expect: int = 0) -> tuple[int, str]:
    """Run `buildtui` as a user does, with this registry's flags; (exit code, stdout)."""
    flags = ["--registry", settings.registry_url, "--registry-container"]
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", *flags, settings.registry_container, *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == expect, result.stderr
    return result.returncode, result.stdout


def status(settings: Settings) -> dict[str, Any]:
    code, out = lab(settings, "lab", "status", "--json")
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    return document


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

    # Another student's cache, exported by a build this history never recorded.
    foreign = f"{host}/{unique('barscache')}"
    (tmp_path / "bars").mkdir()
    (tmp_path / "bars" / "Dockerfile").write_text(f"FROM {base}\nRUN echo bars {run_word}\n")
    docker_push(
        "buildx", "build", "--platform", "linux/amd64",
        "--cache-to", f"type=registry,ref={foreign},mode=max", str(tmp_path / "bars"),
    )  # fmt: skip

    start = status(settings)
    lab(settings, "lab", "status", "--check", expect=1)  # items remain
    # The engine emulates arm64; the docker driver with the containerd store is accepted
    # where a docker-container builder cannot be bootstrapped; the registry deletes.
    assert ticked(start) == {1, 2, 3}, start
    assert item(start, "builder")["status"] == "accepted"
    assert item(start, "pushed")["status"] == "todo"  # busybox was pushed, not built here

    # 4: a two-platform image pushed.
    await run_in_build_pane(settings, [*dockerfile, "-t", image, *both, "--push", str(tmp_path)])
    after_push = status(settings)
    # The foreign cache is in the registry, but no recorded build exported it: not item 8.
    assert ticked(after_push) == {1, 2, 3, 4}, after_push
    assert "recorded build" in item(after_push, "cache-size")["note"]
    assert "linux/amd64 + linux/arm64" in " ".join(item(after_push, "pushed")["evidence"])
    index = docker("buildx", "imagetools", "inspect", image, "--format", "{{json .Manifest}}")
    proven_index = json.loads(index.stdout)["digest"]
    assert item(after_push, "pushed")["digests"] == [{"ref": image, "digest": proven_index}]

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
    latest = BuildHistory().list()[0]
    assert seven["status"] == "todo", seven
    assert "No prune" in seven["note"], (seven, latest.summary)
    history = BuildHistory()
    latest = history.list()[0]
    assert latest.summary.cache_import == "found"
    # Every step CACHED, or not needed (BuildKit cancels some, differently from run to run).
    assert latest.summary.from_cache, latest.summary.steps

    # 7 for real: buildtui prunes the builder's cache (recorded for the guide), then the
    # lab's build again: every step comes from the registry cache it imports.
    code, printed = lab(settings, "builders", "prune", "--all", "--yes")
    assert code == 0 and printed.startswith("pruned "), printed
    await run_in_build_pane(settings, lab_build)
    third = history.list()[0]
    assert third.id != latest.id
    assert third.summary.cache_import == "found"
    assert third.summary.from_cache, third.summary.steps
    after_prune = status(settings)
    assert ticked(after_prune) == {1, 2, 3, 4, 5, 6, 7, 8}, after_prune
    seven = item(after_prune, "cache-import")
    assert seven["status"] == "done", seven
    total, skipped = third.summary.total, third.summary.not_needed
    assert seven["evidence"][0].startswith("Builder cache pruned: ")
    assert seven["evidence"][1:3] == [
        f"Build {third.id}: cache import found {cache}",
        f"{total - skipped}/{total} steps CACHED",
    ], seven
    assert len(seven["evidence"]) == (4 if skipped else 3), seven

    # 9: the cache image deleted, garbage collected, the image still pulls.
    code, _ = lab(settings, "rm", "cachedata1:latest", "-y")
    assert code == 0
    after_rm = status(settings)
    assert ticked(after_rm) == {1, 2, 3, 4, 5, 6, 7, 8}, after_rm  # 8 as it was seen before
    assert item(after_rm, "bonus")["note"] == "Run the garbage collector to reclaim the space."
    code, printed = lab(settings, "gc", "-y", "--json")
    collected = json.loads(printed)["gc"]
    done = status(settings)
    assert ticked(done) == set(range(1, 10)), done
    freed = f"Space freed: {collected['freed']}, measured by du -sk"
    assert collected["freed_bytes"] == (collected["kb_before"] - collected["kb_after"]) * 1024
    assert any(line.startswith(freed) for line in item(done, "bonus")["evidence"])
    lab(settings, "lab", "status", "--check")  # exit 0: every item done
    # The pane's marks and `lab status`'s are the same (item 2 is accepted: [~]).
    _, human = lab(settings, "lab", "status")
    assert "[~] 2. " in human and "[x] 9. " in human
    assert "Timeline:" in human

    # The registry stopped: every item stays done, said to be down, not blamed on the GC.
    docker("stop", settings.registry_container)
    try:
        down = status(settings)
        assert ticked(down) == set(range(1, 10)), down
        for key in ("registry", "pushed", "bonus"):
            assert "is not answering now" in item(down, key)["note"], item(down, key)
            assert "does not pull" not in item(down, key)["note"]
        assert "the cache image was deleted, as item 9 asks" in item(down, "cache-size")["note"]
    finally:
        docker("start", settings.registry_container)
        wait_for_registry(settings)
    assert item(status(settings), "registry")["note"] is None

    # A build after the bonus: the cache is gone, the steps come from the local cache.
    await run_in_build_pane(settings, lab_build)
    after_bonus = status(settings)
    assert ticked(after_bonus) == set(range(1, 10)), after_bonus
    seven = item(after_bonus, "cache-import")
    assert seven["status"] == "done" and seven["kept"], seven
    assert seven["builds"][-1] == third.id, seven
    assert "found no registry cache (it was deleted, as item 9 asks)" in seven["note"], seven
    assert seven["proven_at"] is not None and seven["proven_at"][-6] in "+-"

    # The report: the student's, dated, with the run's own evidence.
    report = tmp_path / "out" / "lab7-report.md"
    report.parent.mkdir()
    lab(settings, "lab", "report", "--out", str(report), "--student", "Ada Lovelace")
    text = report.read_text()
    assert "- Student: Ada Lovelace" in text
    assert text.index("## Summary") < text.index("## 1. ")
    # Item 4 as it was proven: the index the first push served (the build after the bonus
    # pushed the tag again), still served by digest.
    pushed = item(after_bonus, "pushed")["digests"][0]
    digest = pushed["digest"]
    assert pushed["ref"] == image and digest == proven_index
    assert f"Digest:    {digest}" in text
    assert "  Platform:  linux/amd64" in text and "  Platform:  linux/arm64" in text
    dockerfile_text = (tmp_path / "Dockerfile_multi").read_text()
    digest_of_text = hashlib.sha256(dockerfile_text.encode()).hexdigest()
    assert "SHA-256 of its content: sha256:" + digest_of_text in text
    assert dockerfile_text.splitlines()[1] in text
    third_log = history.get(third.id).log
    cached = counted_cached_lines(third_log)
    assert cached and all(line in text for line in cached)
    assert "importing cache manifest from " + cache in text
    assert "writing cache manifest sha256:" in text and "exporting cache to registry" in text
    assert foreign not in text  # the other student's cache is nowhere in the evidence
    assert freed in text
    deleted_blobs = [b for b in collected["deleted_blobs"]]
    assert any(f"blob eligible for deletion: {b}" in text for b in deleted_blobs)
    assert "- ✓ Cache exported by build " in text and "- ✓ Deletion deletion-" in text
    assert "- ✗" not in text
    tail = text.split("## Digests re-checked when the report was made")[1]
    assert f"| lab | {digest} | manifest | yes |" in tail
    section = text.split("\n## 7. ", 1)[1].split("\n## 8. ", 1)[0]
    assert "✓ Status: done" in section
    assert f"Build {third.id}, started " in section
    assert "found no registry cache (it was deleted, as item 9 asks)" in section

    # The same report as one HTML file, in Polish, printed to PDF by a real browser.
    page = tmp_path / "out" / "lab7-report.html"
    lab(settings, "lab", "report", "--out", str(page), "--lang", "pl", "--student", "Ada")
    html = page.read_text()
    assert f'<span class="cached">{cached[0]}</span>' in html
    assert "Laboratorium 7: sprawozdanie" in html and "Budowanie nr " in html
    pdf = print_to_pdf(page, tmp_path)
    printed_text = squeezed(pdf_text(pdf))
    cited = {build for one in after_bonus["items"] for build in one["builds"]}
    assert len(cited) >= 4, cited
    for build_id in cited:
        command = shown_command(history.get(build_id).entry.argv)
        assert squeezed(command) in printed_text, command
    # In Polish as Markdown: no sentence of the English catalogue, no decimal point in a size.
    polish = tmp_path / "out" / "lab7-raport.md"
    lab(settings, "lab", "report", "--out", str(polish), "--lang", "pl", "--student", "Ada")
    prose = markdown_prose(polish.read_text())
    assert "Budowanie nr " in prose and "garbage collection" in prose
    assert untranslated(prose) == []
    assert sizes_with_a_point(prose) == [] and re.search(r"\d,\d+ [kM]B", prose)
    lab(settings, "lab", "report", "--out", str(tmp_path / "r.pdf"), expect=2)
    # A report asked for inside the build context is written, with a warning.
    inside = subprocess.run(
        [
            sys.executable, "-m", "buildtui", "--registry", settings.registry_url,
            "--registry-container", settings.registry_container,
            "lab", "report", "--out", str(tmp_path / "inside.md"),
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert inside.returncode == 0, inside.stderr
    assert f"inside the build context {tmp_path}" in inside.stderr


def counted_cached_lines(log: str) -> list[str]:
    """The `#N CACHED` lines of the steps the cache counts (not `FROM`, not internal)."""
    names: dict[str, str] = {}
    found = []
    for line in log.splitlines():
        number, _, rest = line.partition(" ")
        if rest.startswith("[") and number not in names:
            names[number] = rest
        if rest == "CACHED" and "] FROM " not in names.get(number, "] FROM "):
            found.append(line)
    return found


def wait_for_registry(settings: Settings) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{settings.registry_url}/v2/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the registry did not answer after docker start")


def squeezed(text: str) -> str:
    """`text` without any whitespace (a wrapped line in a PDF is the same text)."""
    return re.sub(r"\s+", "", text)


def print_to_pdf(page: Path, tmp_path: Path) -> Path:
    """Print `page` to PDF with headless Chromium, as a student would print it."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        missing("chromium is missing (apt-get install chromium)")
    assert browser is not None
    pdf = tmp_path / "lab7-report.pdf"
    result = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert pdf.exists() and pdf.stat().st_size > 0, result.stderr[-2000:]
    return pdf


def pdf_text(pdf: Path) -> str:
    """The PDF's text in the order it was drawn (`-raw`: a line that wraps after a hyphen,
    as `--cache-` + `to`, keeps its hyphen; the default mode would join it as a word)."""
    if shutil.which("pdftotext") is None:
        missing("pdftotext is missing (apt-get install poppler-utils)")
    result = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    return result.stdout
