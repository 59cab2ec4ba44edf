"""The reference parser against the cases of the reference grammar (distribution's
`reference` package: what `docker` accepts and refuses as an image reference)."""

from __future__ import annotations

import pytest

from buildtui.registry.errors import BadReference
from buildtui.registry.reference import parse_reference

DIGEST = "sha256:" + "f" * 64
DEFAULT = "localhost:5000"

VALID = [
    # (reference, registry, repository, tag, digest)
    ("test_com", DEFAULT, "test_com", None, None),
    ("test.com:tag", DEFAULT, "test.com", "tag", None),
    ("test.com:5000", DEFAULT, "test.com", "5000", None),  # a tag, not a port
    ("test.com/repo:tag", "test.com", "repo", "tag", None),
    ("test:5000/repo", "test:5000", "repo", None, None),
    ("test:5000/repo:tag", "test:5000", "repo", "tag", None),
    (f"test:5000/repo@{DIGEST}", "test:5000", "repo", None, DIGEST),
    (f"test:5000/repo:tag@{DIGEST}", "test:5000", "repo", "tag", DIGEST),
    ("lowercase:Uppercase", DEFAULT, "lowercase", "Uppercase", None),
    ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", None, None),
    ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io",
     "test.example.com/my-app", "test.example.com", None),
    ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", None),
    ("foo_bar.com:8080", DEFAULT, "foo_bar.com", "8080", None),
    ("foo/foo_bar.com:8080", DEFAULT, "foo/foo_bar.com", "8080", None),
    ("192.168.1.1:5000/a", "192.168.1.1:5000", "a", None, None),
    ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", None, None),
    ("localhost:5000/lab:cachetest", "localhost:5000", "lab", "cachetest", None),
    ("a" * 100 + ":" + "t" * 128, DEFAULT, "a" * 100, "t" * 128, None),
]  # fmt: skip

INVALID = [
    "",
    ":justtag",
    f"@{DIGEST}",
    "repo@sha256:" + "f" * 63,  # a digest one hex digit short
    "validname@invaliddigest:" + "f" * 64,
    "Uppercase:tag",
    "test:5000/Uppercase/lowercase:tag",
    "aa/asdf$$^/aa",
    "lab:tëst",  # tags are ASCII: docker says "invalid reference format"
    "lab:",
    "-lab",
    "lab-",
    "lab//x",
    "a..b",
    "a" * 256,  # a name longer than 255 characters
    "lab:" + "t" * 129,  # a tag longer than 128 characters
    "test:5000/repo:tag@sha256:XYZ",
]


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest"), VALID)
def test_valid_references_parse_as_docker_reads_them(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_reference(text, DEFAULT)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


@pytest.mark.parametrize("text", INVALID)
def test_invalid_references_are_refused_with_a_short_message(text: str) -> None:
    with pytest.raises(BadReference) as refused:
        parse_reference(text, DEFAULT)
    assert 0 < len(str(refused.value)) < 400
