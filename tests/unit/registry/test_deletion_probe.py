"""The one deletion probe: its request, and how its answer is read."""

from __future__ import annotations

import httpx
import pytest

from buildtui.registry.deletion_probe import (
    PROBE_DIGEST,
    PROBE_REPOSITORY,
    Deletion,
    classify,
    probe_deletion,
    probe_path,
)

UNSUPPORTED = b'{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}'


@pytest.mark.parametrize(
    ("status", "deletion"),
    [
        (404, Deletion.ENABLED),
        (202, Deletion.ENABLED),
        (405, Deletion.DISABLED),
        (401, Deletion.UNKNOWN),
        (403, Deletion.UNKNOWN),
        (500, Deletion.UNKNOWN),
        (200, Deletion.UNKNOWN),
    ],
)
def test_the_status_says_whether_deletion_is_on(status: int, deletion: Deletion) -> None:
    assert classify(status).deletion is deletion


def test_405_unsupported_is_deletion_turned_off_and_a_bare_405_is_read_only() -> None:
    assert classify(405, UNSUPPORTED).turned_off
    assert not classify(405, b"Method not allowed").turned_off
    assert not classify(404, UNSUPPORTED).turned_off


def test_the_probe_names_a_digest_no_manifest_has() -> None:
    assert PROBE_DIGEST == "sha256:" + "0" * 64
    assert probe_path("lab") == f"/v2/lab/manifests/{PROBE_DIGEST}"
    assert probe_path() == f"/v2/{PROBE_REPOSITORY}/manifests/{PROBE_DIGEST}"


@pytest.mark.parametrize(
    ("status", "body", "deletion"),
    [
        (404, b"", Deletion.ENABLED),
        (405, UNSUPPORTED, Deletion.DISABLED),
        (500, b"", Deletion.UNKNOWN),
    ],
)
def test_probe_deletion_sends_one_delete_and_reads_the_answer(
    status: int, body: bytes, deletion: Deletion
) -> None:
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        return httpx.Response(status, content=body)

    transport = httpx.MockTransport(answer)
    with httpx.Client(base_url="http://127.0.0.1:5999", transport=transport) as http:
        result = probe_deletion(http, "lab")
    assert seen == [("DELETE", f"/v2/lab/manifests/{PROBE_DIGEST}")]
    assert (result.deletion, result.status, result.body) == (deletion, status, body)
