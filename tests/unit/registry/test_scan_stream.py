"""A scan that hands each repository over as it is read, keeps a summary per tag instead
of its report, and says how far it is; `registry ls` printing as it goes."""

from __future__ import annotations

import asyncio
import functools
import io
import json
import os
import select
from typing import Any

import httpx
import pytest

from buildtui import cli
from buildtui.commands import progress as progress_module
from buildtui.commands.output import json_document
from buildtui.commands.progress import TerminalProgress, watched
from buildtui.commands.registry import render_scan
from buildtui.registry import service as registry_service
from buildtui.registry.auth import Authenticator, NoCredentials
from buildtui.registry.client import RegistryClient
from buildtui.registry.present import scan_json
from buildtui.registry.scan import RepositoryListing, ScanProgress, TagEntry
from buildtui.registry.service import RegistryService
from buildtui.registry.tasks import Memo
from buildtui.registry.walk import scan_registry
from tests.fakes.registry import FakeRegistry, damaged_lab_registry, lab_registry


def client_for(
    registry: FakeRegistry, transport: httpx.AsyncBaseTransport | None = None
) -> RegistryClient:
    return RegistryClient(
        registry.host,
        f"http://{registry.host}",
        auth=Authenticator(registry.host, store=NoCredentials()),
        transport=transport or registry.transport,
    )


def many(repositories: int, tags: int) -> FakeRegistry:
    registry = lab_registry()
    for r in range(repositories):
        for t in range(tags):
            if t % 2:
                registry.push_index(f"class/s{r:02d}", f"v{t}", shared=b"class base layer")
            else:
                registry.push_image(
                    f"class/s{r:02d}", f"v{t}", "linux/amd64", (f"own {r} {t}".encode(),)
                )
    return registry


async def test_a_scan_that_keeps_nothing_counts_the_same() -> None:
    registry = many(4, 6)
    async with client_for(registry) as client:
        whole = await scan_registry(client)
        slim = await scan_registry(client, keep=False)
    assert [e.tag for e in slim.entries()] == [e.tag for e in whole.entries()]
    assert all(e.report is None and e.summary is not None for e in slim.entries())
    for kept, summed in zip(whole.entries(), slim.entries(), strict=True):
        assert kept.report is not None
        assert summed.summary == kept.report.summary()
        assert summed.summary.size == kept.report.unique_size
    assert slim.unique_size == whole.unique_size > 0
    assert slim.shared_count == whole.shared_count == len(whole.shared_blobs) > 0
    assert render_scan(slim) == render_scan(whole)
    assert scan_json(slim) == scan_json(whole)


async def test_keep_chooses_which_reports_stay() -> None:
    registry = many(2, 4)
    async with client_for(registry) as client:
        scan = await scan_registry(
            client,
            keep=lambda entry: entry.report is not None and entry.report.kind.value == "cache",
        )
    kept = {e.repository for e in scan.entries() if e.report is not None}
    assert kept == {"cachedata1", "cachedata2"}
    assert all(e.summary is not None for e in scan.entries() if e.report is None)


async def test_each_repository_is_handed_over_in_catalog_order_before_the_scan_ends() -> None:
    # The last repository's manifests are held until the first repository has been handed
    # over: a scan that handed them over only at its end would never finish.
    registry = many(3, 4)
    first_out = asyncio.Event()

    class Held(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.startswith("/v2/sbom/manifests/"):
                await first_out.wait()
            return registry.handle(request)

    handed: list[RepositoryListing] = []

    def on_repository(listing: RepositoryListing) -> None:
        handed.append(listing)
        first_out.set()

    async with client_for(registry, Held()) as client:
        scan = await asyncio.wait_for(
            scan_registry(client, keep=False, on_repository=on_repository), 10
        )
    assert [listing.name for listing in handed] == list(scan.repositories)
    assert handed[0].entries == scan.repositories[handed[0].name]


async def test_progress_says_what_is_read_and_ends_complete() -> None:
    registry = many(3, 5)
    seen: list[ScanProgress] = []
    async with client_for(registry) as client:
        scan = await scan_registry(client, keep=False, on_progress=seen.append)
    assert seen[-1].done
    assert seen[-1].read == seen[-1].tags == len(scan.entries())
    assert seen[-1].repositories == len(scan.repositories)


async def test_a_catalog_page_the_registry_refuses_is_asked_smaller() -> None:
    # distribution answers 400 PAGINATION_NUMBER_INVALID above its maximum (1,000 by default).
    registry = many(3, 1)
    registry.catalog_max = 100
    registry.catalog_refuses = True
    async with client_for(registry) as client:
        names = await client.repositories()
        again = await client.repositories()
    assert names == again == sorted(registry.tags)
    asked = [r.url.params.get("n") for r in registry.requests if r.url.path == "/v2/_catalog"]
    assert asked[0] == "1000"
    assert set(asked[1:]) == {"100"}  # refused once, then small pages only (this client)


def test_memo_keeps_a_bounded_number_of_results() -> None:
    async def main() -> list[int]:
        memo: Memo[int] = Memo(limit=3)
        computed: list[int] = []

        async def compute(n: int) -> int:
            computed.append(n)
            return n

        for n in (1, 2, 3, 4, 1):
            await memo.get(("r", str(n)), functools.partial(compute, n))
        assert len(memo) == 3
        return computed

    # 1 was let go when 4 came, so asking for it again computes it again.
    assert asyncio.run(main()) == [1, 2, 3, 4, 1]


# -- registry ls ------------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
    registry = damaged_lab_registry()

    def service(settings: Any, **kwargs: Any) -> RegistryService:
        return RegistryService(
            settings,
            **{
                "transport": registry.transport,
                "store": NoCredentials(),
                "blob_cache": False,
                **kwargs,
            },
        )

    monkeypatch.setattr(registry_service, "RegistryService", service)
    return registry


def whole_scan(registry: FakeRegistry) -> Any:
    async def main() -> Any:
        async with client_for(registry) as client:
            return await scan_registry(client)

    return asyncio.run(main())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--registry", "http://registry.test:5000", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_registry_ls_json_streamed_is_the_whole_document(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "registry", "ls", "--json")
    expected = json.dumps(json_document(scan_json(whole_scan(fake))), indent=2) + "\n"
    assert out == expected
    assert code == 1 and err == ""  # the damaged tags


def test_registry_ls_streamed_is_the_whole_listing(
    fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "registry", "ls")
    assert out == render_scan(whole_scan(fake)) + "\n"
    assert code == 1 and err == ""


@pytest.mark.parametrize("as_json", [False, True])
def test_registry_ls_of_an_empty_registry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    empty = FakeRegistry()

    def service(settings: Any, **kwargs: Any) -> RegistryService:
        return RegistryService(settings, transport=empty.transport, store=NoCredentials(), **kwargs)

    monkeypatch.setattr(registry_service, "RegistryService", service)
    code, out, _ = run(capsys, "registry", "ls", *(["--json"] if as_json else []))
    scan = whole_scan(empty)
    if as_json:
        assert out == json.dumps(json_document(scan_json(scan)), indent=2) + "\n"
    else:
        assert out == render_scan(scan) + "\n"
    assert code == 0


def test_a_closed_output_stops_the_scan(
    monkeypatch: pytest.MonkeyPatch, fake: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    # `buildtui registry ls | head -1`: the reader is gone after the first repository.
    registry = many(30, 4)

    class Answering(httpx.AsyncBaseTransport):
        """The fake registry answering in 10 ms, as a registry on the network does (at
        once, how far the pool read ahead before the first line was printed was luck)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0.01)
            return await registry.transport.handle_async_request(request)

    def service(settings: Any, **kwargs: Any) -> RegistryService:
        return RegistryService(
            settings, transport=Answering(), store=NoCredentials(), blob_cache=False
        )

    monkeypatch.setattr(registry_service, "RegistryService", service)

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setattr("sys.stdout", Closed())
    code = cli.main(["--registry", "http://registry.test:5000", "registry", "ls"])
    assert code != 0

    def manifest_requests() -> int:
        return sum(1 for r in registry.requests if "/manifests/" in r.url.path)

    read = manifest_requests()
    registry.requests.clear()
    whole_scan(registry)
    assert 0 < read < manifest_requests() / 2  # it stopped reading


# -- the progress line -----------------------------------------------------------------


def test_progress_is_watched_only_on_a_terminal_and_never_for_json_or_a_pipe(
    tmp_path: Any,
) -> None:
    main, follower = os.openpty()
    read_end, write_end = os.pipe()
    try:
        with (
            os.fdopen(os.dup(follower), "w") as terminal,
            open(tmp_path / "out", "w") as file,
            os.fdopen(os.dup(write_end), "w") as pipe,
        ):
            assert watched(False, out=file, err=terminal)
            assert watched(False, out=terminal, err=terminal)
            assert not watched(True, out=file, err=terminal)
            assert not watched(False, out=pipe, err=terminal)
            assert not watched(False, out=file, err=file)
    finally:
        for fd in (main, follower, read_end, write_end):
            os.close(fd)


def test_progress_line_clears_itself_around_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    err, out = io.StringIO(), io.StringIO()
    line = TerminalProgress(err=err, out=out)
    line.show("12 of 30 tags read")
    line.print(["lab:v1  image"])
    line.clear()
    assert out.getvalue() == "lab:v1  image\n"
    assert err.getvalue() == (
        "\r\x1b[K12 of 30 tags read" + "\r\x1b[K" + "\r\x1b[K12 of 30 tags read" + "\r\x1b[K"
    )


def test_the_progress_line_keeps_its_own_codes_and_shows_a_registry_s_visibly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under the twins' output layer the line's `\\r\\x1b[K` works, and a repository name's
    escape sequence in its text is shown, not sent."""
    from tests.fakes.streams import visible_controls

    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    raw = io.StringIO()
    line = TerminalProgress(err=visible_controls(raw), out=io.StringIO())
    line.show("lab\x1b]0;owned\x07: 3 of 30 tags read")
    line.clear()
    assert raw.getvalue() == "\r\x1b[Klab\\x1b]0;owned\\x07: 3 of 30 tags read\r\x1b[K"


def test_progress_waits_before_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "DELAY", 60.0)
    err = io.StringIO()
    line = TerminalProgress(err=err, out=io.StringIO())
    line.show("1 of 3 tags read")
    line.clear()
    assert err.getvalue() == ""


def drained(fd: int) -> str:
    """Everything the terminal has to read now (a pty hands it over in pieces)."""
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunks.append(os.read(fd, 1 << 16))
        except OSError:
            break
    return b"".join(chunks).decode()


def test_registry_ls_shows_progress_on_the_terminal_only(
    monkeypatch: pytest.MonkeyPatch, fake: FakeRegistry, tmp_path: Any
) -> None:
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    main, follower = os.openpty()
    try:
        for as_json in (False, True):
            with (
                os.fdopen(os.dup(follower), "w") as terminal,
                open(tmp_path / "out", "w") as file,
            ):
                monkeypatch.setattr("sys.stderr", terminal)
                monkeypatch.setattr("sys.stdout", file)
                cli.main(
                    ["--registry", "http://registry.test:5000", "registry", "ls"]
                    + (["--json"] if as_json else [])
                )
            shown = drained(main)
            if as_json:
                assert shown == ""
            else:
                assert "tags read" in shown
                assert shown.endswith("\r\x1b[K")  # cleared at the end
            output = (tmp_path / "out").read_text()
            assert "tags read" not in output
    finally:
        os.close(main)
        os.close(follower)


def test_entries_say_whether_they_failed() -> None:
    assert TagEntry("lab", "v1", error="gone").failed
    assert not TagEntry("lab", "v1").failed
