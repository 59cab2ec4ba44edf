"""What a recorded build's command line says for the lab: its flags, registry caches,
exports and platforms (`docker buildx build ...` as the history keeps it), read by the
one reading of a build command (`buildtui.builds.command`)."""

from __future__ import annotations

from collections.abc import Sequence

from buildtui.builds.command import csv_fields, parse_command
from buildtui.lab.checklist import EXPORTERS

__all__ = ["csv_fields", "exports_of", "flag_values", "platforms_of", "registry_caches"]


def flag_values(argv: Sequence[str], *names: str) -> list[str]:
    """Every value of the given flags, as `--flag value` or `--flag=value`."""
    return parse_command(argv).values(*names)


def registry_caches(argv: Sequence[str], flag: str, host: str) -> list[dict[str, str]]:
    """The `--cache-to`/`--cache-from` registry caches of `argv` on the registry `host`."""
    command = parse_command(argv)
    specs = command.cache_to if flag == "--cache-to" else command.cache_from
    return [
        dict(spec.fields)
        for spec in specs
        if spec.type == "registry" and (spec.ref or "").startswith(host + "/")
    ]


def exports_of(argv: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(exporter, destination, is an image in the engine) of each export with another
    exporter than the registry: `--load` (docker, into the image store), `-o type=...`
    (`type=image` without `push=true` is an image in the engine's image store too, named
    by its `name=` or the first tag)."""
    command = parse_command(argv)
    found = []
    tags = command.tags
    if command.load:
        found.append(("docker", tags[0] if tags else "", True))
    for spec in command.outputs:
        kind = spec.type
        if kind not in EXPORTERS:
            continue
        if kind == "docker" and not spec.dest:
            found.append(("docker", tags[0] if tags else "", True))
        elif kind == "image":
            if spec.fields.get("push", "false").lower() == "true":
                continue
            name = spec.fields.get("name") or (tags[0] if tags else "")
            found.append(("image", name, True))
        else:
            found.append((kind, spec.dest or "", False))
    return found


def platforms_of(argv: Sequence[str]) -> list[str]:
    return parse_command(argv).platforms
