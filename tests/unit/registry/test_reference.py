"""Image references and the plain-HTTP rule."""

from __future__ import annotations

import pytest

from buildtui.registry.errors import BadReference
from buildtui.registry.reference import (
    Reference,
    base_url,
    parse_reference,
    parse_registry,
    uses_plain_http,
)

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", Reference("docker.io", "library/busybox")),
        ("busybox:1.36", Reference("docker.io", "library/busybox", "1.36")),
        ("user/app", Reference("docker.io", "user/app")),
        ("localhost:5000/lab:cachetest", Reference("localhost:5000", "lab", "cachetest")),
        ("localhost/lab", Reference("localhost", "lab")),
        ("127.0.0.1:5000/a/b/c:v1", Reference("127.0.0.1:5000", "a/b/c", "v1")),
        ("[::1]:5000/lab:x", Reference("[::1]:5000", "lab", "x")),
        ("ghcr.io/o/r@" + DIGEST, Reference("ghcr.io", "o/r", None, DIGEST)),
        ("reg.example:443/o/r:t@" + DIGEST, Reference("reg.example:443", "o/r", "t", DIGEST)),
        ("my_app/sub__dir.v2-x", Reference("docker.io", "my_app/sub__dir.v2-x")),
    ],
)
def test_parse_like_docker(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


def test_default_registry_replaces_docker_hub_without_library() -> None:
    ref = parse_reference("lab:cachetest", default_registry="localhost:5000")
    assert ref == Reference("localhost:5000", "lab", "cachetest")
    assert str(ref) == "localhost:5000/lab:cachetest"
    # An explicit host still wins.
    assert parse_reference("ghcr.io/o/r", default_registry="localhost:5000").registry == "ghcr.io"


def test_identifier_and_str() -> None:
    assert parse_reference("localhost:5000/lab").identifier == "latest"
    assert str(parse_reference("localhost:5000/lab")) == "localhost:5000/lab:latest"
    pinned = parse_reference(f"localhost:5000/lab:v1@{DIGEST}")
    assert pinned.identifier == DIGEST
    assert str(pinned) == f"localhost:5000/lab:v1@{DIGEST}"
    assert parse_reference("busybox").api_host == "registry-1.docker.io"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Lab/App", "not a repository name"),
        ("localhost:5000/lab:", "not a tag"),
        ("localhost:5000/lab:-bad", "not a tag"),
        ("localhost:5000/lab@sha256:xyz", "not a digest"),
        ("http://localhost:5000/lab", "URL"),
        ("localhost:5000/", "no repository"),
        ("local_host:5000/lab", "not a host"),
        ("localhost:5000/a//b", "not a repository name"),
    ],
)
def test_bad_references_say_why(text: str, says: str) -> None:
    with pytest.raises(BadReference, match=says):
        parse_reference(text)


@pytest.mark.parametrize(
    ("host", "insecure", "plain"),
    [
        ("localhost:5000", (), True),
        ("localhost", (), True),
        ("127.0.0.1:5000", (), True),
        ("127.1.2.3", (), True),
        ("[::1]:5000", (), True),
        ("registry.lab:5000", (), False),
        ("registry.lab:5000", ("registry.lab:5000",), True),
        ("registry.lab:5000", ("registry.lab",), True),
        ("registry.lab:5001", ("registry.lab:5000",), False),
        ("10.0.0.5:5000", (), False),
    ],
)
def test_plain_http_rule(host: str, insecure: tuple[str, ...], plain: bool) -> None:
    assert uses_plain_http(host, insecure) is plain
    assert base_url(host, insecure).startswith("http://" if plain else "https://")


def test_parse_registry() -> None:
    assert parse_registry("localhost:5000") == ("localhost:5000", "http://localhost:5000")
    assert parse_registry("ghcr.io") == ("ghcr.io", "https://ghcr.io")
    assert parse_registry("http://reg.lab:5000/") == ("reg.lab:5000", "http://reg.lab:5000")
    assert parse_registry("docker.io") == ("docker.io", "https://registry-1.docker.io")
    for bad in ("", "ftp://x", "host/path", "http://h/path", "bad host"):
        with pytest.raises(BadReference):
            parse_registry(bad)
