"""Hostile or broken registries, each served for real on 127.0.0.1: an error, never a hang
or a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from buildtui import cli
from buildtui.commands.registry import render_scan
from buildtui.registry import service as registry_service
from buildtui.registry.auth import Authenticator, NoCredentials
from buildtui.registry.classify import parse_manifest
from buildtui.registry.client import DEFAULT_DEADLINE, RegistryClient
from buildtui.registry.errors import MalformedManifest, Unreachable
from buildtui.registry.present import scan_json
from buildtui.registry.service import RegistryService
from buildtui.registry.walk import scan_registry
from buildtui.settings import Settings
from tests.fakes.hostile_registry import (
    ENDLESS,
    HostileRegistry,
    Reply,
    endless_pages,
    json_reply,
)

POISON = b"[" * 200_000


@pytest.fixture
def hostile() -> Iterator[HostileRegistry]:
    registry = HostileRegistry()
    with registry.running():
        yield registry


def client_for(registry: HostileRegistry, **kwargs: Any) -> RegistryClient:
    """A client of `registry`; `kwargs` go to `RegistryClient` as they are."""
    auth = Authenticator(registry.host, store=NoCredentials())
    return RegistryClient(registry.host, registry.url, auth=auth, **kwargs)


@pytest.fixture
def cli_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's registry service without the user's docker credentials."""

    def service(settings: Settings, **kwargs: Any) -> RegistryService:
        return RegistryService(settings, **{"store": NoCredentials(), **kwargs})

    monkeypatch.setattr(registry_service, "RegistryService", service)


def run(
    capsys: pytest.CaptureFixture[str], registry: HostileRegistry, *argv: str
) -> tuple[int, str, str]:
    code = cli.main(["--registry", registry.url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def lab_with_poison(registry: HostileRegistry) -> str:
    """lab:good (an image), lab:poisoned (200,000 `[`), other:v1; the poison's digest."""
    registry.image("lab", "good")
    registry.image("other", "v1")
    registry.catalog("lab", "other", tags={"lab": ["good", "poisoned"], "other": ["v1"]})
    return registry.manifest("lab", "poisoned", POISON)


# -- 200,000 nested `[` --------------------------------------------------------------------


def test_deep_nesting_is_a_malformed_manifest_not_a_recursion_error() -> None:
    with pytest.raises(MalformedManifest, match="nested too deeply") as caught:
        parse_manifest(POISON, "sha256:" + "0" * 64)
    assert caught.value.raw == POISON
    assert caught.value.digest == "sha256:" + "0" * 64
    assert len(str(caught.value)) < 300


def test_inspect_of_a_poisoned_manifest_is_an_error_message(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = lab_with_poison(hostile)
    code, out, err = run(capsys, hostile, "inspect", "lab:poisoned")
    assert code == 1
    assert out == ""
    assert f"manifest {digest} is nested too deeply" in err
    assert "Traceback" not in err


def test_registry_ls_marks_the_poisoned_tag_and_lists_the_others(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = lab_with_poison(hostile)
    code, out, _ = run(capsys, hostile, "registry", "ls")
    assert code == 1  # one tag could not be read
    lines = out.splitlines()
    assert any(line.startswith("lab:good ") and "image" in line for line in lines)
    assert any(line.startswith("other:v1 ") and "image" in line for line in lines)
    assert any(line.startswith("lab:poisoned ") and "nested too deeply" in line for line in lines)
    code, out, _ = run(capsys, hostile, "registry", "ls", "--json")
    tags = {
        f"{repo['name']}:{tag['tag']}": tag
        for repo in json.loads(out)["repositories"]
        for tag in repo["tags"]
    }
    assert tags["lab:poisoned"]["digest"] == digest
    assert "nested too deeply" in tags["lab:poisoned"]["error"]
    assert tags["lab:good"]["kind"] == "image"
    assert tags["other:v1"]["kind"] == "image"


# -- one byte every few seconds ------------------------------------------------------------


async def test_a_trickling_answer_hits_the_deadline(hostile: HostileRegistry) -> None:
    # Each byte comes well within the per-read timeout, so only an overall deadline ends it.
    body = json.dumps({"schemaVersion": 2, "manifests": []}).encode()
    hostile.route("/v2/lab/manifests/slow", Reply(200, body, trickle=0.2))
    async with client_for(hostile, timeout=5.0, deadline=1.0, max_concurrency=1) as client:
        with pytest.raises(Unreachable) as caught:
            await client.get_manifest("lab", "slow")
        # The one connection, dropped mid-answer, does not break the next request.
        assert await client.ping() == "registry/2.0"
    message = str(caught.value)
    assert "GET /v2/lab/manifests/slow" in message
    assert "1-second deadline" in message


async def test_a_trickling_token_service_hits_the_deadline(hostile: HostileRegistry) -> None:
    challenge = f'Bearer realm="{hostile.url}/token",service="hostile"'
    hostile.route(
        "/v2/_catalog",
        Reply(401, b"{}", {"WWW-Authenticate": challenge, "Content-Type": "application/json"}),
    )
    hostile.route("/token", Reply(200, b'{"token": "abc"}', trickle=0.2))
    async with client_for(hostile, timeout=5.0, deadline=1.0) as client:
        with pytest.raises(Unreachable, match=r"token service .* 1-second deadline"):
            await client.repositories()


def test_every_client_has_a_deadline() -> None:
    service = RegistryService(Settings(), store=NoCredentials())
    assert service.client.deadline == DEFAULT_DEADLINE


# -- Link: rel="next" without end ----------------------------------------------------------


async def test_endless_catalog_pages_are_bounded(hostile: HostileRegistry) -> None:
    hostile.route("/v2/_catalog", endless_pages("repo", "repositories"))
    async with client_for(hostile, max_pages=5) as client:
        names = await client.repositories()
    assert names == [f"repo{n}" for n in range(10)]
    assert names.cut is not None and "after 5 pages" in names.cut
    assert len(hostile.requests) == 5


async def test_endless_tag_entries_are_bounded(hostile: HostileRegistry) -> None:
    hostile.route("/v2/lab/tags/list", endless_pages("t", "tags", per_page=50))
    async with client_for(hostile, max_entries=120) as client:
        tags = await client.tags("lab")
    assert tags == [f"t{n}" for n in range(120)]
    assert tags.cut is not None and "more than 120 tags" in tags.cut


async def test_a_link_back_to_a_page_already_read_lists_nothing_twice(
    hostile: HostileRegistry,
) -> None:
    # The first page links to itself spelled differently (absolute, with ?n=): same page.
    def page(target: str) -> Reply:
        return json_reply(
            {"name": "lab", "tags": ["a", "b"]},
            Link=f'<{hostile.url}/v2/lab/tags/list?n=2>; rel="next"',
        )

    hostile.route("/v2/lab/tags/list", page)
    async with client_for(hostile) as client:
        tags = await client.tags("lab")
    assert tags == ["a", "b"]
    assert tags.cut is None
    assert hostile.requests == ["/v2/lab/tags/list", "/v2/lab/tags/list?n=2"]


async def test_a_link_to_another_host_is_not_followed(hostile: HostileRegistry) -> None:
    hostile.route(
        "/v2/_catalog",
        json_reply(
            {"repositories": ["lab"]}, Link='<http://elsewhere.test/v2/_catalog>; rel="next"'
        ),
    )
    async with client_for(hostile) as client:
        names = await client.repositories()
    assert names == ["lab"]
    assert names.cut is not None and "another host" in names.cut
    assert hostile.requests == ["/v2/_catalog?n=1000"]


def test_registry_ls_says_when_a_list_is_cut(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every catalog page repeats `lab` and links to one more page: 200 pages, then stop.
    def page(target: str) -> Reply:
        number = len(hostile.requests)
        if number > ENDLESS:
            return json_reply({"repositories": ["lab"]})
        return json_reply(
            {"repositories": ["lab"]}, Link=f'</v2/_catalog?page={number}>; rel="next"'
        )

    hostile.route("/v2/_catalog", page)
    hostile.image("lab", "v1")
    hostile.route("/v2/lab/tags/list", json_reply({"name": "lab", "tags": ["v1"]}))
    code, out, _ = run(capsys, hostile, "registry", "ls")
    assert code == 1
    assert out.count("lab:v1 ") == 1
    assert "after 200 pages" in out.splitlines()[-1]
    code, out, _ = run(capsys, hostile, "registry", "ls", "--json")
    document = json.loads(out)
    assert "after 200 pages" in document["truncated"]
    assert [r["name"] for r in document["repositories"]] == ["lab"]


async def test_scan_reports_a_cut_tag_list(hostile: HostileRegistry) -> None:
    hostile.catalog("lab")
    hostile.route("/v2/lab/tags/list", endless_pages("t", "tags", per_page=1))
    for number in range(3):
        hostile.image("lab", f"t{number}")
    async with client_for(hostile, max_pages=3) as client:
        scan = await scan_registry(client)
    assert [e.tag for e in scan.entries()] == ["t0", "t1", "t2"]
    assert "after 3 pages" in scan.tags_cut["lab"]
    assert "after 3 pages" in scan_json(scan)["repositories"][0]["truncated"]
    assert any(
        line.startswith("lab ") and "after 3 pages" in line
        for line in render_scan(scan).splitlines()
    )


# -- an index whose child answers 404 ------------------------------------------------------


def test_registry_ls_shows_an_index_with_a_missing_child_as_damaged(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    amd64 = hostile.image("lab", platform="linux/amd64")
    missing = {
        **amd64,
        "digest": "sha256:" + "e" * 64,
        "platform": {"os": "linux", "architecture": "arm64"},
    }
    hostile.index("lab", "multi", [amd64, missing])
    hostile.index("lab", "whole", [amd64])
    hostile.catalog("lab", tags={"lab": ["multi", "whole"]})
    code, out, _ = run(capsys, hostile, "registry", "ls")
    assert code == 1
    lines = out.splitlines()
    multi = lines.index(next(line for line in lines if line.startswith("lab:multi ")))
    assert "damaged: 1 of 2 index entries cannot be read (linux/arm64:" in lines[multi + 1]
    assert "1 damaged" in out
    whole = lines.index(next(line for line in lines if line.startswith("lab:whole ")))
    assert "damaged" not in lines[whole + 1]
    code, out, _ = run(capsys, hostile, "registry", "ls", "--json")
    tags = {t["tag"]: t for t in json.loads(out)["repositories"][0]["tags"]}
    assert tags["multi"]["damaged"] is True
    assert "sha256:" + "e" * 64 in tags["multi"]["errors"][0]
    assert tags["whole"]["damaged"] is False


# -- names and digests checked before any request ------------------------------------------


def test_a_5000_character_repository_name_never_reaches_the_registry(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, hostile, "inspect", "a" * 5000 + ":v1")
    assert code == 2
    assert "is not a repository name: it has 5,000 characters, and at most 255" in err
    assert len(err) < 300
    assert hostile.requests == []


def test_a_bad_digest_says_what_a_digest_is(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, hostile, "inspect", "lab@sha256:" + "A" * 64)
    assert code == 2
    assert "only lower-case hex digits" in err
    assert hostile.requests == []


async def test_hostile_catalog_names_are_refused_without_a_request(
    hostile: HostileRegistry,
) -> None:
    hostile.catalog("lab", "../../etc", "x" * 5000, tags={"lab": []})
    async with client_for(hostile) as client:
        scan = await scan_registry(client)
    assert "is not a repository name" in scan.errors["../../etc"]
    assert "5,000 characters" in scan.errors["x" * 5000]
    assert len(scan.errors["x" * 5000]) < 300
    assert hostile.requests == ["/v2/_catalog?n=1000", "/v2/lab/tags/list"]
    rendered = render_scan(scan)
    assert max(len(line) for line in rendered.splitlines()) < 400


async def test_a_bogus_digest_header_is_not_trusted(hostile: HostileRegistry) -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": "x", "manifests": []}).encode()
    hostile.route(
        "/v2/lab/manifests/v1",
        Reply(200, body, {"Docker-Content-Digest": "sha256:" + "z" * 5000}),
    )
    async with client_for(hostile) as client:
        raw = await client.fetch_manifest("lab", "v1")
    assert raw.digest.startswith("sha256:") and len(raw.digest) == 71


def test_error_codes_nested_too_deeply_are_no_crash(
    hostile: HostileRegistry, cli_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile.route("/v2/lab/manifests/v1", Reply(500, POISON))
    code, _, err = run(capsys, hostile, "inspect", "lab:v1")
    assert code == 1
    assert "answered 500" in err
    assert len(err) < 500


async def test_the_clean_up_writer_has_the_same_overall_deadline(hostile: HostileRegistry) -> None:
    from buildtui.cleanup.http import RegistryWriter
    from buildtui.registry.deletion_probe import PROBE_DIGEST

    # A DELETE (the deletion probe) whose answer trickles in, a byte well within the timeout.
    hostile.route(f"/v2/lab/manifests/{PROBE_DIGEST}", Reply(404, b"{" + b" " * 150, trickle=0.2))
    auth = Authenticator(hostile.host, store=NoCredentials())
    writer = RegistryWriter(hostile.host, hostile.url, auth, timeout=5.0, deadline=1.0)
    try:
        with pytest.raises(Unreachable) as caught:
            await writer.probe_delete("lab")
    finally:
        await writer.aclose()
    message = str(caught.value)
    assert f"DELETE /v2/lab/manifests/{PROBE_DIGEST}" in message
    assert "1-second deadline" in message
