"""Names, tags and digests checked locally agree with what the real registry:2 accepts;
an index whose entry is gone shows as damaged in `registry ls`, as `inspect` says.

Each edge case is asked of the registry with a plain request: it takes a name, tag or
digest as valid when it answers with the API's own "unknown" error (404 NAME_UNKNOWN or
MANIFEST_UNKNOWN), and refuses it otherwise (a 404 page for a path its routes do not
match, or a 500).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from buildtui.registry.errors import BadReference
from buildtui.registry.models import OCI_INDEX, OCI_MANIFEST
from buildtui.registry.reference import check_tag, digest_problem, repository_problem
from tests.integration.lab import TestRegistry, unique
from tests.integration.registry_fixtures import Pusher

NAMES = [
    "lab",
    "a/b/c",
    "a__b",
    "a--b",
    "a.b_c-d",
    "a" * 200,
    "b/" + "a" * 200,
    "a" * 256,
    "a___b",
    "a._b",
    "Lab",
    "lab-",
    "-lab",
    "läb",
    "lab//x",
]
TAGS = ["latest", "_x", "v1.0-rc_1", "a" * 128, "a" * 129, ".x", "-x"]
DIGESTS = [
    "sha256:" + "a" * 64,
    "sha512:" + "b" * 128,
    "sha384:" + "c" * 96,
    "sha256:" + "A" * 64,
    "sha256:" + "a" * 63,
    "md5:" + "a" * 32,
]


def codes(answer: httpx.Response) -> list[str]:
    try:
        return [e["code"] for e in answer.json()["errors"]]
    except (ValueError, KeyError, TypeError):
        return []


@pytest.fixture(scope="module")
def http(registry: TestRegistry) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=registry.url, timeout=10) as client:
        yield client


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n if len(n) < 20 else f"{len(n)} chars")
def test_repository_names_as_registry2_takes_them(
    registry: TestRegistry, http: httpx.Client, name: str
) -> None:
    answer = http.get(f"/v2/{name}/tags/list")
    accepted = answer.status_code == 404 and "NAME_UNKNOWN" in codes(answer)
    host = registry.url.split("://")[1]
    assert (repository_problem(name, host) is None) is accepted, answer.text[:200]


@pytest.mark.parametrize("tag", TAGS, ids=lambda t: t if len(t) < 20 else f"{len(t)} chars")
def test_tags_as_registry2_takes_them(http: httpx.Client, tag: str) -> None:
    answer = http.get(f"/v2/lab/manifests/{tag}")
    accepted = answer.status_code == 404 and "MANIFEST_UNKNOWN" in codes(answer)
    try:
        check_tag(tag)
    except BadReference:
        valid = False
    else:
        valid = True
    assert valid is accepted, answer.text[:200]


@pytest.mark.parametrize("digest", DIGESTS, ids=lambda d: f"{d[:8]}…{len(d)}")
def test_digests_as_registry2_takes_them(http: httpx.Client, digest: str) -> None:
    answer = http.get(f"/v2/lab/manifests/{digest}")
    accepted = answer.status_code == 404 and "MANIFEST_UNKNOWN" in codes(answer)
    assert (digest_problem(digest) is None) is accepted, answer.text[:200]


def cli(registry: TestRegistry, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "BUILDTUI_REGISTRY_URL": registry.url},
        timeout=60,
    )


def test_a_5000_character_name_is_refused_before_any_request(registry: TestRegistry) -> None:
    result = cli(registry, "inspect", "a" * 5000 + ":v1")
    assert result.returncode == 2
    assert "is not a repository name: it has 5,000 characters" in result.stderr
    assert len(result.stderr) < 400
    assert "a" * 300 not in registry.logs()  # the registry never saw it


def test_a_name_registry2_refuses_beyond_the_rule_is_still_a_short_line(
    registry: TestRegistry,
) -> None:
    # distribution 2.8 counts a name as docker.io/library/NAME, so it refuses a one-part
    # name of 238 characters (500), which the reference rule allows: the answer is one
    # short line, not the registry's whole reply.
    result = cli(registry, "inspect", "a" * 238 + ":v1")
    assert result.returncode == 1
    assert "answered 500" in result.stderr
    assert len(result.stderr) < 400
    assert "Traceback" not in result.stderr


def image(pusher: Pusher, repository: str, arch: str) -> dict[str, Any]:
    config = pusher.blob(
        repository,
        json.dumps({"os": "linux", "architecture": arch, "rootfs": {"type": "layers"}}).encode(),
        "application/vnd.oci.image.config.v1+json",
    )
    layer = pusher.blob(
        repository, f"{arch} layer".encode(), "application/vnd.oci.image.layer.v1.tar+gzip"
    )
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config,
        "layers": [layer],
    }
    descriptor = pusher.manifest(repository, f"only-{arch}", document, OCI_MANIFEST)
    return {**descriptor, "platform": {"os": "linux", "architecture": arch}}


def test_an_index_whose_entry_was_deleted_is_damaged_in_the_listing(
    registry_factory: Any,
) -> None:
    registry: TestRegistry = registry_factory()
    repository = unique("damaged")
    pusher = Pusher(registry.url)
    try:
        amd64 = image(pusher, repository, "amd64")
        arm64 = image(pusher, repository, "arm64")
        pusher.manifest(
            repository,
            "multi",
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [amd64, arm64]},
            OCI_INDEX,
        )
        gone = pusher.http.delete(f"/v2/{repository}/manifests/{arm64['digest']}")
        assert gone.status_code == 202
    finally:
        pusher.close()
    inspected = cli(registry, "inspect", f"{repository}:multi")
    assert f"! digest {repository}@{arm64['digest']} is not on" in inspected.stdout
    listed = cli(registry, "registry", "ls")
    assert listed.returncode == 1
    line = next(
        i
        for i, text in enumerate(listed.stdout.splitlines())
        if text.startswith(f"{repository}:multi ")
    )
    assert (
        "damaged: 1 of 2 index entries cannot be read (linux/arm64:"
        in (listed.stdout.splitlines()[line + 1])
    )
    document = json.loads(cli(registry, "registry", "ls", "--json").stdout)
    tags = {t["tag"]: t for r in document["repositories"] for t in r["tags"]}
    assert tags["multi"]["damaged"] is True
    assert tags["only-amd64"]["damaged"] is False
