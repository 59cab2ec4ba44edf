"""What a build is asked to do, and the exact `docker buildx build` command for it.

`build_argv` is a pure function: the command the form shows is the list the
runner runs, word for word (`shell_command` only quotes it for display/copy).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

from buildtui.builds.command import parse_command
from buildtui.builds.dockerfile import stage_names
from buildtui.builds.errors import OptionsError
from buildtui.engine.client import docker_command
from buildtui.i18n import N_, _
from buildtui.logs import masked_argv
from buildtui.settings import Settings

LAB_PLATFORMS = ("linux/amd64", "linux/arm64")


class OutputType(StrEnum):
    """Where the result goes (`--push`, `--load` or `--output type=...`), by the lab's
    exporter names (`push` and `load` are the shorthands for `registry` and `docker`)."""

    DEFAULT = "default"
    """No flag: the builder's default (on the docker driver: the engine's image store)."""
    PUSH = "push"
    IMAGE = "image"
    LOAD = "load"
    OCI = "oci"
    TAR = "tar"
    LOCAL = "local"
    CACHEONLY = "cacheonly"

    @property
    def needs_dest(self) -> bool:
        return self in (OutputType.LOCAL, OutputType.OCI, OutputType.TAR)

    @property
    def label(self) -> str:
        """As the form offers it: the exporter's `type=` name, and the flag for it."""
        return OUTPUT_LABELS[self]


OUTPUT_LABELS = {
    OutputType.DEFAULT: N_("default (no flag)"),
    OutputType.PUSH: "registry (push)",
    OutputType.IMAGE: "image",
    OutputType.LOAD: "docker (load)",
    OutputType.OCI: "oci",
    OutputType.TAR: "tar",
    OutputType.LOCAL: "local",
    OutputType.CACHEONLY: "cacheonly",
}


class CacheType(StrEnum):
    REGISTRY = "registry"
    LOCAL = "local"
    INLINE = "inline"


CacheMode = Literal["min", "max"]


@dataclass(frozen=True, slots=True)
class CacheSpec:
    """One `--cache-from` or `--cache-to`.

    `ref` is the cache image for registry (and, for `--cache-from`, the image
    with inline cache) and the directory for local; inline `--cache-to` needs none.
    """

    type: CacheType
    ref: str = ""
    mode: CacheMode = "min"
    image_manifest: bool = False


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Everything the build form can set."""

    context: str = "."
    file: str | None = None
    tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    builder: str | None = None
    output: OutputType = OutputType.DEFAULT
    output_dest: str | None = None
    cache_from: CacheSpec | None = None
    cache_to: CacheSpec | None = None
    build_args: tuple[tuple[str, str], ...] = ()
    target: str | None = None
    provenance: bool | None = None
    """None: buildx's default; True/False: `--provenance=true|false`."""
    no_cache: bool = False
    extra: tuple[str, ...] = field(default=())
    """Further arguments, passed as they are (before the context)."""


def validate(options: BuildOptions) -> None:
    """Raise `OptionsError` for a combination buildx would refuse, with what to change."""
    if not options.context.strip():
        raise OptionsError(_("The build context is empty: give a folder, e.g. `.`."))
    if options.output.needs_dest and not (options.output_dest or "").strip():
        raise OptionsError(
            _("Output type {value} writes files: give a destination path.").format(
                value=options.output.value
            )
        )
    if options.output is OutputType.PUSH and not options.tags:
        raise OptionsError(_("--push needs a tag: give one, e.g. localhost:5000/lab:cachetest."))
    for flag, spec in (("--cache-from", options.cache_from), ("--cache-to", options.cache_to)):
        if spec is None:
            continue
        needs_ref = spec.type is not CacheType.INLINE or flag == "--cache-from"
        if needs_ref and not spec.ref.strip():
            message = (
                _("{flag} type={type} needs a directory.")
                if spec.type is CacheType.LOCAL
                else _("{flag} type={type} needs a cache image reference.")
            )
            raise OptionsError(message.format(flag=flag, type=spec.type.value))
    for name, _value in options.build_args:
        if not name or "=" in name or " " in name:
            raise OptionsError(
                _("Build argument name {name!r} is not valid: use NAME=value.").format(name=name)
            )


def cache_from_value(spec: CacheSpec) -> str:
    if spec.type is CacheType.LOCAL:
        return f"type=local,src={spec.ref}"
    # Inline cache is read back from the image itself, through the registry backend.
    return f"type=registry,ref={spec.ref}"


def cache_to_value(spec: CacheSpec) -> str:
    if spec.type is CacheType.INLINE:
        return "type=inline"
    key = "dest" if spec.type is CacheType.LOCAL else "ref"
    parts = [f"type={spec.type.value}", f"{key}={spec.ref}", f"mode={spec.mode}"]
    if spec.image_manifest and spec.type is CacheType.REGISTRY:
        parts.append("image-manifest=true")
    return ",".join(parts)


def buildx_arguments(options: BuildOptions) -> list[str]:
    """The arguments after `docker buildx build --progress=plain`."""
    args: list[str] = []
    if options.builder:
        args += ["--builder", options.builder]
    if options.file:
        args += ["-f", options.file]
    for tag in options.tags:
        args += ["-t", tag]
    if options.platforms:
        args += ["--platform", ",".join(options.platforms)]
    output = options.output
    if output is OutputType.PUSH:
        args.append("--push")
    elif output is OutputType.LOAD:
        args.append("--load")
    elif output in (OutputType.CACHEONLY, OutputType.IMAGE):
        args += ["--output", f"type={output.value}"]
    elif output.needs_dest:
        args += ["--output", f"type={output.value},dest={options.output_dest}"]
    if options.cache_to is not None:
        args += ["--cache-to", cache_to_value(options.cache_to)]
    if options.cache_from is not None:
        args += ["--cache-from", cache_from_value(options.cache_from)]
    for name, value in options.build_args:
        args += ["--build-arg", f"{name}={value}"]
    if options.target:
        args += ["--target", options.target]
    if options.provenance is not None:
        args.append(f"--provenance={'true' if options.provenance else 'false'}")
    if options.no_cache:
        args.append("--no-cache")
    args += list(options.extra)
    args.append(options.context)
    return args


def build_argv(options: BuildOptions, settings: Settings) -> list[str]:
    """The exact command the runner runs for `options`."""
    # Hand-built argv: the build is streamed line by line and its command is shown.
    return [
        *docker_command(settings),
        "buildx",
        "build",
        "--progress=plain",
        *buildx_arguments(options),
    ]


def argv_for_arguments(arguments: list[str], settings: Settings) -> list[str]:
    """The command for raw `docker buildx build` arguments (the CLI twin's), with plain progress.

    A `--progress` the user gave is replaced: the parser needs plain output.
    """
    kept: list[str] = []
    skip = False
    for arg in arguments:
        if skip:
            skip = False
            continue
        if arg == "--progress":
            skip = True
            continue
        if arg.startswith("--progress="):
            continue
        kept.append(arg)
    return [*docker_command(settings), "buildx", "build", "--progress=plain", *kept]


def dockerfile_of(arguments: Sequence[str]) -> Path:
    """The Dockerfile raw buildx arguments name (`-f`/`--file`, else CONTEXT/Dockerfile).

    For ordering stages: `-f` is relative to the working directory, as for buildx.
    """
    command = parse_command(arguments)
    if command.file is not None:
        return Path(command.file)
    return Path(command.context or ".", "Dockerfile")


def read_stage_names(dockerfile: Path) -> list[str]:
    """Stage names of a Dockerfile in order; [] when it cannot be read."""
    try:
        return stage_names(dockerfile.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def shell_command(argv: list[str]) -> str:
    """`argv` as one shell command line, quoted so it can be pasted into a shell."""
    return shlex.join(argv)


HIDDEN_VALUE = "…"
"""What a `--build-arg` value shows as until the user asks to see it."""


def shown_command(argv: Sequence[str], *, build_arg_values: bool = False) -> str:
    """`argv` as a shell line for the screen, each `--build-arg` value shown as `NAME=…`.

    Build arguments often carry tokens and passwords; the line shows them only when
    `build_arg_values` is true. A `--build-arg NAME` without a value (taken from the
    environment) shows as it is.
    """
    if build_arg_values:
        return shlex.join(argv)
    return " ".join(_shown(arg) for arg in masked_argv(argv, flags=("--build-arg",)))


def _shown(arg: str) -> str:
    """Shell-quoted, with a masked value's `…` left as it is (it is no shell character)."""
    if arg.endswith("=" + HIDDEN_VALUE):
        return shlex.quote(arg[: -len(HIDDEN_VALUE)]) + HIDDEN_VALUE
    return shlex.quote(arg)


def lab_preset(
    settings: Settings, *, context: str = ".", file: str | None = "Dockerfile_multi"
) -> BuildOptions:
    """The lab's "registry7 cache, mode max" build: two platforms, push, registry cache."""
    host = settings.registry_host
    cache_ref = f"{host}/cachedata1"
    return BuildOptions(
        context=context,
        file=file,
        tags=(f"{host}/lab:cachetest",),
        platforms=LAB_PLATFORMS,
        output=OutputType.PUSH,
        cache_to=CacheSpec(CacheType.REGISTRY, cache_ref, mode="max"),
        cache_from=CacheSpec(CacheType.REGISTRY, cache_ref),
    )


def parse_build_args(text: str) -> tuple[tuple[str, str], ...]:
    """`NAME=value NAME2=value2` (shell words) as pairs."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise OptionsError(
            _("Build arguments: {error}; close the quote.").format(error=error)
        ) from error
    pairs = []
    for word in words:
        name, sep, value = word.partition("=")
        if not sep:
            raise OptionsError(
                _("Build argument {word!r} has no value: write {word}=value.").format(word=word)
            )
        pairs.append((name, value))
    return tuple(pairs)
