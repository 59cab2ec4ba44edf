"""Build options render to the exact argv the runner runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.builds.errors import OptionsError
from buildtui.builds.options import (
    BuildOptions,
    CacheSpec,
    CacheType,
    OutputType,
    argv_for_arguments,
    build_argv,
    dockerfile_of,
    lab_preset,
    parse_build_args,
    shell_command,
    validate,
)
from buildtui.settings import Settings


def test_lab_preset_renders_the_labs_command() -> None:
    settings = Settings(registry_url="http://localhost:5000")
    argv = build_argv(lab_preset(settings), settings)
    assert shell_command(argv) == (
        "docker buildx build --progress=plain -f Dockerfile_multi -t localhost:5000/lab:cachetest"
        " --platform linux/amd64,linux/arm64 --push"
        " --cache-to type=registry,ref=localhost:5000/cachedata1,mode=max"
        " --cache-from type=registry,ref=localhost:5000/cachedata1 ."
    )


def test_preset_uses_the_settings_registry_and_engine() -> None:
    settings = Settings(registry_url="http://registry.lab:5001", docker_context="lab")
    argv = build_argv(lab_preset(settings, context="ctx", file=None), settings)
    assert argv[:3] == ["docker", "--context", "lab"]
    assert "registry.lab:5001/lab:cachetest" in argv
    assert argv[-1] == "ctx" and "-f" not in argv


def test_every_option() -> None:
    options = BuildOptions(
        context="app",
        file="app/Dockerfile",
        tags=("r/a:1", "r/a:latest"),
        platforms=("linux/arm64",),
        builder="lab",
        output=OutputType.OCI,
        output_dest="out.tar",
        cache_from=CacheSpec(CacheType.LOCAL, "/tmp/cache"),
        cache_to=CacheSpec(CacheType.REGISTRY, "r/cache", "max", image_manifest=True),
        build_args=(("VERSION", "1 2"),),
        target="final",
        provenance=False,
        no_cache=True,
    )
    validate(options)
    assert build_argv(options, Settings())[4:] == [
        "--builder",
        "lab",
        "-f",
        "app/Dockerfile",
        "-t",
        "r/a:1",
        "-t",
        "r/a:latest",
        "--platform",
        "linux/arm64",
        "--output",
        "type=oci,dest=out.tar",
        "--cache-to",
        "type=registry,ref=r/cache,mode=max,image-manifest=true",
        "--cache-from",
        "type=local,src=/tmp/cache",
        "--build-arg",
        "VERSION=1 2",
        "--target",
        "final",
        "--provenance=false",
        "--no-cache",
        "app",
    ]
    assert "'VERSION=1 2'" in shell_command(build_argv(options, Settings()))


@pytest.mark.parametrize(
    ("output", "flags"),
    [
        (OutputType.LOAD, ["--load"]),
        (OutputType.CACHEONLY, ["--output", "type=cacheonly"]),
        (OutputType.IMAGE, ["--output", "type=image"]),
        (OutputType.DEFAULT, []),
    ],
)
def test_outputs(output: OutputType, flags: list[str]) -> None:
    argv = build_argv(BuildOptions(output=output), Settings())
    assert argv == ["docker", "buildx", "build", "--progress=plain", *flags, "."]


def test_inline_and_local_cache() -> None:
    options = BuildOptions(
        tags=("r/a",),
        cache_to=CacheSpec(CacheType.INLINE),
        cache_from=CacheSpec(CacheType.INLINE, "r/a"),
    )
    validate(options)
    argv = build_argv(options, Settings())
    assert argv[argv.index("--cache-to") + 1] == "type=inline"
    assert argv[argv.index("--cache-from") + 1] == "type=registry,ref=r/a"
    local = BuildOptions(cache_to=CacheSpec(CacheType.LOCAL, "/c", "max"))
    argv = build_argv(local, Settings())
    assert argv[argv.index("--cache-to") + 1] == "type=local,dest=/c,mode=max"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (BuildOptions(output=OutputType.PUSH), "needs a tag"),
        (BuildOptions(output=OutputType.LOCAL), "destination"),
        (BuildOptions(cache_to=CacheSpec(CacheType.REGISTRY)), "cache image"),
        (BuildOptions(cache_from=CacheSpec(CacheType.LOCAL)), "directory"),
        (BuildOptions(context=" "), "context"),
        (BuildOptions(build_args=(("A B", "1"),)), "not valid"),
    ],
)
def test_validation_says_what_to_change(options: BuildOptions, words: str) -> None:
    with pytest.raises(OptionsError, match=words):
        validate(options)


def test_parse_build_args() -> None:
    assert parse_build_args('A=1 B="two words" C=') == (("A", "1"), ("B", "two words"), ("C", ""))
    with pytest.raises(OptionsError, match="no value"):
        parse_build_args("A")
    with pytest.raises(OptionsError, match="quote"):
        parse_build_args('A="open')


def test_raw_arguments_get_plain_progress() -> None:
    argv = argv_for_arguments(["--progress", "tty", "-t", "x", "--progress=auto", "."], Settings())
    assert argv == ["docker", "buildx", "build", "--progress=plain", "-t", "x", "."]


def test_dockerfile_of_raw_arguments() -> None:
    assert dockerfile_of(["-t", "x", "ctx"]) == Path("ctx/Dockerfile")
    assert dockerfile_of(["-f", "Dockerfile_multi", "ctx"]) == Path("Dockerfile_multi")
    assert dockerfile_of(["--file=a/D", "."]) == Path("a/D")
