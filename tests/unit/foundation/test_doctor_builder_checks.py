"""The doctor's builder, platforms and emulation lines, from one set of facts (pure)."""

from __future__ import annotations

import pytest

from buildtui.buildlog.explain import explain_texts
from buildtui.buildx.errors import BuildKitImagePullFailed, PreviousBuilderKept
from buildtui.doctor import BuilderFacts, builder_check, platform_checks

AMD64 = ("linux/amd64", "linux/amd64/v2")


def test_a_running_builder_builds() -> None:
    check = builder_check(BuilderFacts("default", "docker", AMD64, running=True))
    assert (check.level, check.detail) == ("ok", "builder in use: default (docker driver), running")


def test_a_builder_that_cannot_start_is_an_error_not_a_tick() -> None:
    facts = BuilderFacts(
        "ux-builder", "docker-container", (), False, image_here=False, start_error="no image"
    )
    check = builder_check(facts)
    assert check.level == "error"
    assert check.detail.startswith("builder in use: ux-builder (docker-container driver) cannot")
    assert check.fix.startswith("`docker buildx use default`")
    unproven = builder_check(BuilderFacts("ux-builder", "docker-container", (), False, False))
    assert unproven.level == "warn" and "must pull it" in unproven.detail
    started = builder_check(
        BuilderFacts("lab7", "docker-container", (), True, image_here=False, started=True)
    )
    assert (started.level, started.detail) == (
        "ok",
        "builder in use: lab7 (docker-container driver), started now",
    )


NOT_YET = "platforms of b: known once it runs"
STALE = (
    "b lists only linux/amd64, linux/amd64/v2 although qemu handlers for aarch64 are "
    "registered: it started before they were"
)
NO_QEMU = "no emulated platforms: linux/arm64 RUN steps fail with `exec format error`"
ALL = (*AMD64, "linux/arm64")


@pytest.mark.parametrize(
    ("platforms", "emulators", "expected"),
    [
        # The contradiction: a builder with no platforms yet, qemu registered.
        ((), ("aarch64",), ("ok", f"{NOT_YET}; the emulators here give it linux/arm64", "ok")),
        (ALL, ("aarch64",), ("ok", "platforms: " + ", ".join(ALL), "ok")),
        (AMD64, ("aarch64",), ("warn", STALE, "ok")),
        (AMD64, (), ("warn", NO_QEMU, "warn")),
        ((), (), ("warn", NOT_YET, "warn")),
    ],
)
def test_platforms_and_emulation_never_contradict(
    platforms: tuple[str, ...], emulators: tuple[str, ...], expected: tuple[str, str, str]
) -> None:
    platform, emulation = platform_checks(BuilderFacts("b", "docker", platforms, True), emulators)
    assert (platform.level, platform.detail, emulation.level) == expected
    says_no_emulation = "no emulated platforms" in platform.detail
    assert says_no_emulation == (not emulators and emulation.level == "warn" and bool(platforms))


def test_the_build_error_of_a_builder_without_its_image_is_explained() -> None:
    line = (
        'ERROR: Error response from daemon: failed to resolve reference "docker.io/moby/'
        'buildkit:buildx-stable-1": failed to do request: Head "https://registry-1.docker.io/'
        'v2/moby/buildkit/manifests/buildx-stable-1": dial tcp: lookup registry-1.docker.io '
        "on 10.255.255.53:53: no such host"
    )
    (item,) = explain_texts([line])
    assert item.title == "The builder in use cannot start: its BuildKit image cannot be pulled"
    assert "`docker buildx use default`" in item.fix and not item.harmless
    assert explain_texts(['failed to resolve reference "localhost:5000/lab:1"']) == []


def test_the_kept_builder_error_says_which_builder_is_in_use() -> None:
    error = PreviousBuilderKept(BuildKitImagePullFailed("ux"), "ux", "default")
    assert "default stays the builder in use (buildx had switched to ux" in error.what
    assert error.fix.endswith(
        "Remove the new builder with `docker buildx rm ux`, or fix it and run "
        "`docker buildx use ux`"
    )
