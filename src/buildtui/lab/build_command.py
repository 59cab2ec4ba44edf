"""What a recorded build's command line says: its flags, registry caches, exports and
platforms (`docker buildx build ...` as the history keeps it)."""

from __future__ import annotations

from collections.abc import Sequence

from buildtui.lab.checklist import EXPORTERS


def flag_values(argv: Sequence[str], *names: str) -> list[str]:
    """Every value of the given flags, as `--flag value` or `--flag=value`."""
    values = []
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                values.append(argv[i + 1])
            elif name.startswith("--") and arg.startswith(name + "="):
                values.append(arg[len(name) + 1 :])
    return values


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


def registry_caches(argv: Sequence[str], flag: str, host: str) -> list[dict[str, str]]:
    """The `--cache-to`/`--cache-from` registry caches of `argv` on the registry `host`."""
    caches = []
    for value in flag_values(argv, flag):
        fields = csv_fields(value)
        if fields.get("type") == "registry" and fields.get("ref", "").startswith(host + "/"):
            caches.append(fields)
    return caches


def exports_of(argv: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(exporter, destination, is an image in the engine) of each export with another
    exporter than the registry: `--load` (docker, into the image store), `-o type=...`
    (`type=image` without `push=true` is an image in the engine's image store too, named
    by its `name=` or the first tag)."""
    found = []
    tags = flag_values(argv, "-t", "--tag")
    if "--load" in argv:
        found.append(("docker", tags[0] if tags else "", True))
    for value in flag_values(argv, "-o", "--output"):
        fields = csv_fields(value) if "=" in value else {"type": "local", "dest": value}
        kind = fields.get("type", "")
        if kind not in EXPORTERS:
            continue
        if kind == "docker" and not fields.get("dest"):
            found.append(("docker", tags[0] if tags else "", True))
        elif kind == "image":
            if fields.get("push", "false").lower() == "true":
                continue
            name = fields.get("name") or (tags[0] if tags else "")
            found.append(("image", name, True))
        else:
            found.append((kind, fields.get("dest", ""), False))
    return found


def platforms_of(argv: Sequence[str]) -> list[str]:
    return [p.strip() for v in flag_values(argv, "--platform") for p in v.split(",") if p.strip()]
