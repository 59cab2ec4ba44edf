"""One reading of a `docker buildx build` command line, as buildx's flag parser reads it.

A kept command (`BuildEntry.argv`), a command typed in the form and a student's recorded
build are all read here: the history's columns (presentation.py), the evidence a build
keeps (evidence.py), the cache report (cache_coverage.py) and the lab's items
(lab/build_command.py) ask the same `BuildCommand`.

Flags are read as pflag reads them: `--flag value` and `--flag=value` for the flags that
take a value, `-t value`, `-tvalue` and `-t=value` for the short ones, a boolean
`--push` or `--push=true`, `--` ends the flags. CSV values (`--cache-to`, `--output`)
are split into their fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

VALUE_FLAGS = frozenset({
    "-f", "--file", "-t", "--tag", "--platform", "--build-arg", "--cache-from", "--cache-to",
    "--target", "--builder", "-o", "--output", "--secret", "--ssh", "--label", "--progress",
    "--no-cache-filter", "--network", "--add-host", "--iidfile", "--metadata-file",
    "--attest", "--annotation", "--build-context", "--shm-size", "--ulimit", "--allow",
    "--provenance", "--sbom", "--call", "--cgroup-parent",
})  # fmt: skip
"""The flags of `docker buildx build` that take a value."""
_SHORT_VALUE_FLAGS = frozenset({"-f", "-t", "-o"})
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
"""What Go's strconv.ParseBool takes for true (`--push=true`)."""


def buildx_arguments(argv: Sequence[str]) -> list[str]:
    """The arguments after `... buildx build` in a full command (all of it without)."""
    args = list(argv)
    for i in range(len(args) - 1):
        if args[i] == "buildx" and args[i + 1] == "build":
            return args[i + 2 :]
    return args


def csv_fields(value: str) -> dict[str, str]:
    """`type=registry,ref=host/x,mode=max` as a dict (a bare word is the type)."""
    fields: dict[str, str] = {}
    for part in value.split(","):
        key, sep, val = part.partition("=")
        if sep:
            fields[key.strip()] = val.strip()
        elif part.strip():
            fields["type"] = part.strip()
    return fields


@dataclass(frozen=True, slots=True)
class Spec:
    """A CSV flag value: a `--cache-to`, `--cache-from` or `--output`."""

    raw: str
    """As written."""
    fields: Mapping[str, str]

    @property
    def type(self) -> str:
        return self.fields.get("type", "")

    @property
    def ref(self) -> str | None:
        return self.fields.get("ref")

    @property
    def mode(self) -> str | None:
        return self.fields.get("mode")

    @property
    def dest(self) -> str | None:
        return self.fields.get("dest")

    @property
    def registry_ref(self) -> str | None:
        """The image a registry cache names: `type=registry,ref=REF` (the type may be
        left out), or a bare `--cache-from REF`."""
        if "=" not in self.raw:
            return self.raw.strip() or None
        if self.fields.get("type", "registry") != "registry":
            return None
        return self.ref


def cache_spec(value: str) -> Spec:
    return Spec(value, csv_fields(value))


def output_spec(value: str) -> Spec:
    """`-o type=local,dest=out`, or a bare path (a local export; `-` is a tar on stdout)."""
    if "=" not in value:
        return Spec(value, {"type": "local", "dest": value})
    return Spec(value, csv_fields(value))


@dataclass(frozen=True, slots=True)
class BuildCommand:
    """What a `docker buildx build` command line says."""

    arguments: tuple[str, ...]
    """The arguments after `buildx build`."""
    flags: tuple[tuple[str, str | None], ...]
    """(flag as written, its value or None) of each flag, in order: `-t` with its value,
    `--push` with None, `--push=false` with `false`."""
    positionals: tuple[str, ...]

    @property
    def switches(self) -> frozenset[str]:
        """Flags given without a value (`--push`, `--load`, `--no-cache`, `-q` ...)."""
        return frozenset(flag for flag, value in self.flags if value is None)

    def values(self, *flags: str) -> list[str]:
        """Every value of these flags (`-t`, `--tag` ...), in the command's order."""
        return [value for flag, value in self.flags if flag in flags and value is not None]

    def on(self, flag: str, value: str | None) -> bool:
        """A boolean flag's occurrence turns it on: `--push`, `--push=true`."""
        return value is None or value in _TRUE

    def last(self, *flags: str) -> str | None:
        found = self.values(*flags)
        return found[-1] if found else None

    def switch(self, flag: str) -> bool:
        """A boolean flag is on: its last `--push` or `--push=true` (not `--push=false`)."""
        given = [value for name, value in self.flags if name == flag]
        return bool(given) and self.on(flag, given[-1])

    @property
    def tags(self) -> list[str]:
        return self.values("-t", "--tag")

    @property
    def platforms(self) -> list[str]:
        """`--platform a,b --platform c` -> [a, b, c]."""
        return [p.strip() for v in self.values("--platform") for p in v.split(",") if p.strip()]

    @property
    def push(self) -> bool:
        return self.switch("--push")

    @property
    def load(self) -> bool:
        return self.switch("--load")

    @property
    def outputs(self) -> list[Spec]:
        return [output_spec(v) for v in self.values("-o", "--output")]

    @property
    def cache_to(self) -> list[Spec]:
        return [cache_spec(v) for v in self.values("--cache-to")]

    @property
    def cache_from(self) -> list[Spec]:
        return [cache_spec(v) for v in self.values("--cache-from")]

    @property
    def build_args(self) -> list[tuple[str, str | None]]:
        """(name, value) of each `--build-arg`; the value is None for `--build-arg NAME`
        (taken from the environment)."""
        out: list[tuple[str, str | None]] = []
        for assignment in self.values("--build-arg"):
            name, equals, value = assignment.partition("=")
            out.append((name, value if equals else None))
        return out

    @property
    def file(self) -> str | None:
        """The Dockerfile as given (`-f`/`--file`), None without the flag."""
        return self.last("-f", "--file")

    @property
    def context(self) -> str | None:
        """The build context: the last positional argument."""
        return self.positionals[-1] if self.positionals else None

    @property
    def builder(self) -> str | None:
        return self.last("--builder")

    @property
    def target(self) -> str | None:
        return self.last("--target")

    @property
    def no_cache(self) -> bool:
        return self.switch("--no-cache")

    @property
    def no_cache_filter(self) -> list[str]:
        return [s for v in self.values("--no-cache-filter") for s in v.split(",")]


def parse_command(argv: Sequence[str]) -> BuildCommand:
    """`argv` (a full `docker buildx build ...` line, or only its arguments) read."""
    arguments = buildx_arguments(argv)
    flags: list[tuple[str, str | None]] = []
    positionals: list[str] = []
    i = 0
    while i < len(arguments):
        arg = arguments[i]
        if arg == "--":
            positionals += arguments[i + 1 :]
            break
        if arg.startswith("--") and "=" in arg:
            flag, _, value = arg.partition("=")
            flags.append((flag, value))
        elif arg in VALUE_FLAGS and i + 1 < len(arguments):
            flags.append((arg, arguments[i + 1]))
            i += 1
        elif arg[:2] in _SHORT_VALUE_FLAGS and len(arg) > 2:
            value = arg[2:]
            flags.append((arg[:2], value[1:] if value.startswith("=") else value))
        elif arg.startswith("-") and arg != "-":
            flags.append((arg, None))
        else:
            positionals.append(arg)
        i += 1
    return BuildCommand(tuple(arguments), tuple(flags), tuple(positionals))
