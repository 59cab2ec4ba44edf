"""Image references and the plain-HTTP rule."""

from __future__ import annotations

import pytest

from buildtui.registry.errors import BadReference
from buildtui.registry.reference import (
    Reference,
    base_url,
    check_tag,
    digest_problem,
    is_digest,
    parse_reference,
    parse_registry,
    registry_of,
    repository_problem,
    same_registry,
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


@pytest.mark.parametrize(
    ("digest", "says"),
    [
        ("sha256:" + "a" * 64, None),
        ("sha512:" + "0" * 128, None),
        ("sha384:" + "f" * 96, None),
        ("sha256:" + "a" * 63, "has 64 hex digits after `sha256:`, this one has 63"),
        ("sha512:" + "a" * 64, "has 128 hex digits after `sha512:`, this one has 64"),
        ("sha256:" + "A" * 64, "only lower-case hex digits"),
        ("sha256:" + "g" * 64, "only lower-case hex digits"),
        ("md5:" + "a" * 32, "sha256, sha384 and sha512 digests only, not 'md5'"),
        ("SHA256:" + "a" * 64, "a digest is algorithm:hex"),
        ("sha256", "a digest is algorithm:hex"),
        ("sha256:", "a digest is algorithm:hex"),
        # What the old check accepted: any [A-Za-z0-9=_-]{32,}.
        ("sha256:" + "=" * 64, "only lower-case hex digits"),
    ],
)
def test_digests_follow_the_distribution_grammar(digest: str, says: str | None) -> None:
    problem = digest_problem(digest)
    assert is_digest(digest) is (says is None)
    if says is None:
        assert problem is None
    else:
        assert problem is not None and says in problem


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("lab", True),
        ("a/b/c", True),
        ("my_app/sub__dir.v2-x", True),
        ("a--b", True),
        ("a" * 255, True),
        ("a/" * 127 + "a", True),  # 255 characters
        ("a" * 256, False),
        ("a___b", False),
        ("a._b", False),
        ("-lab", False),
        ("lab-", False),
        ("Lab", False),
        ("lab/", False),
        ("lab\n", False),
        ("läb", False),
    ],
)
def test_repository_names_follow_the_distribution_grammar(name: str, valid: bool) -> None:
    assert (repository_problem(name) is None) is valid


@pytest.mark.parametrize(
    ("tag", "valid"),
    [
        ("latest", True),
        ("_x", True),
        ("v1.0-rc_1", True),
        ("a" * 128, True),
        ("a" * 129, False),
        (".x", False),
        ("-x", False),
        ("tä", False),  # Go's \w is ASCII
        ("v1\n", False),
    ],
)
def test_tags_follow_the_distribution_grammar(tag: str, valid: bool) -> None:
    if valid:
        assert check_tag(tag) == tag
    else:
        with pytest.raises(BadReference, match="is not a tag: a tag is 1 to 128 ASCII"):
            check_tag(tag)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 5000,
        "lab:" + "t" * 5000,
        "lab@sha256:" + "a" * 5000,
        "localhost:5000/" + "Ab" * 2500,
        "x" * 5000 + "/lab",
    ],
)
def test_messages_never_echo_a_long_input_whole(text: str) -> None:
    with pytest.raises(BadReference) as caught:
        parse_reference(text, default_registry="localhost:5000")
    message = str(caught.value)
    assert len(message) < 400
    assert "5,0" in message or "characters" in message


def test_the_length_limit_is_said_with_the_number() -> None:
    with pytest.raises(BadReference, match="it has 300 characters, and at most 255 are allowed"):
        parse_reference("localhost:5000/" + "a" * 300)


def test_the_length_limit_counts_the_registry_too() -> None:
    # distribution's reference package limits `host[:port]/repository`, as Docker does.
    assert parse_reference("localhost:5000/" + "a" * 240).repository == "a" * 240
    with pytest.raises(BadReference, match="localhost:5000/ in front it has 256 characters"):
        parse_reference("localhost:5000/" + "a" * 241)


def test_one_registry_under_several_names() -> None:
    assert same_registry("LOCALHOST:5000", "localhost:5000")
    # Two loopback names with the same port are the same server on this machine.
    assert same_registry("127.0.0.1:5000", "localhost:5000")
    assert not same_registry("127.0.0.1:5001", "localhost:5000")
    assert not same_registry("localhost", "127.0.0.1")  # no port: nothing says which
    assert not same_registry("lab.example:5000", "localhost:5000")


def test_the_registry_a_reference_is_on() -> None:
    assert registry_of("localhost:5000/lab:1") == "localhost:5000"
    assert registry_of("127.0.0.1:5000/a/b@sha256:00") == "127.0.0.1:5000"
    assert registry_of("me/app:1") == "docker.io"
    assert registry_of("busybox") == "docker.io"
