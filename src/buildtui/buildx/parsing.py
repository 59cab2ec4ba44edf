"""Parsers for what buildx 0.13 prints: `ls` (template and table), `inspect`, `du`, `prune`.

All pure: text in, models out. Unit-tested against output captured on the lab engine.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from buildtui.buildx.models import (
    Builder,
    CacheRecord,
    DiskUsage,
    Inspection,
    InspectNode,
    InspectSection,
    Node,
    Platform,
)
from buildtui.i18n import _
from buildtui.l10n import decimal_mark

# One call gives everything: the table's NAME column carries buildx's own `*` for the
# current builder (0.13 has no `Current` field), PLATFORMS marks hand-set platforms with
# `*`, and `json .` is the builder as `--format json` prints it. Names and platforms
# cannot contain `|`.
LS_FORMAT = "table {{.Name}}|{{.Platforms}}|{{json .}}"
NODE_PREFIX = "\\_"

_SIZE_UNITS = {"B": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kMGTP]?B)\s*$")
_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


class ParseError(ValueError):
    """Output that does not look like what buildx prints."""


def parse_size(text: str) -> int:
    """Bytes from a go-units human size (`24.58kB`, `1.065MB`, `0B`; decimal units)."""
    match = _SIZE.match(text.rstrip("*"))
    if not match:
        raise ParseError(f"not a size: {text!r}")
    return round(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


def human_size(size: float) -> str:
    """Bytes as buildx prints them (go-units HumanSize: 4 significant digits, base 1000)."""
    unit = 0
    while size >= 1000 and unit < len(_DECIMAL_UNITS) - 1:
        size /= 1000
        unit += 1
    return f"{decimal_mark(f'{size:.4g}')}{_DECIMAL_UNITS[unit]}"


def parse_platforms(text: str) -> list[Platform]:
    """`linux/amd64*, linux/arm64` -> platforms, `*` meaning set by hand."""
    platforms = []
    for part in text.split(","):
        part = part.strip()
        if part:
            platforms.append(Platform(part.rstrip("*"), set_by_hand=part.endswith("*")))
    return platforms


def _decode_file(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return value


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def node_from_json(data: Mapping[str, Any], platforms_text: str | None = None) -> Node:
    """A node from the `Nodes` of `buildx ls --format json`.

    JSON lists the node's effective platforms; the table's text, when given, tells
    which of them were set by hand.
    """
    by_hand = {p.name for p in parse_platforms(platforms_text or "") if p.set_by_hand}
    names = [str(p) for p in data.get("Platforms") or []]
    if not names and platforms_text:
        names = [p.name for p in parse_platforms(platforms_text)]
    error = data.get("Err") or None
    status = str(data.get("Status") or ("error" if error else "unknown"))
    return Node(
        name=str(data.get("Name") or ""),
        endpoint=str(data.get("Endpoint") or ""),
        status=status,
        buildkit=str(data.get("Version") or ""),
        platforms=tuple(Platform(name, name in by_hand) for name in names),
        flags=tuple(str(flag) for flag in data.get("Flags") or []),
        driver_options=_str_map(data.get("DriverOpts")),
        files={k: _decode_file(v) for k, v in _str_map(data.get("Files")).items()},
        labels=_str_map(data.get("Labels")),
        error=str(error) if error else None,
    )


def builder_from_json(
    data: Mapping[str, Any],
    *,
    current: bool = False,
    platforms_text: Mapping[str, str] | None = None,
) -> Builder:
    """A builder from one `buildx ls --format json` object (`Current` wins when present)."""
    texts = platforms_text or {}
    nodes = tuple(
        node_from_json(node, texts.get(str(node.get("Name") or "")))
        for node in data.get("Nodes") or []
        if isinstance(node, dict)
    )
    error = data.get("Err") or None
    return Builder(
        name=str(data.get("Name") or ""),
        driver=str(data.get("Driver") or ""),
        nodes=nodes,
        current=bool(data["Current"]) if "Current" in data else current,
        last_activity=_timestamp(data.get("LastActivity")),
        dynamic=bool(data.get("Dynamic")),
        error=str(error) if error else None,
    )


def parse_ls_json(text: str) -> list[Builder]:
    """`buildx ls --format json`: one object per line, builders repeated (before 0.21) deduped."""
    builders: dict[str, Builder] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ParseError(
                _("buildx ls printed a line that is not JSON: {value}").format(value=line[:80])
            ) from error
        builder = builder_from_json(data)
        builders.setdefault(builder.name, builder)
    return list(builders.values())


def parse_ls_template(text: str) -> list[Builder]:
    """Output of `buildx ls --format LS_FORMAT`: builders with current and hand-set marks."""
    pending: list[tuple[dict[str, Any], bool, dict[str, str]]] = []
    seen: set[str] = set()
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith("NAME/NODE"):
        lines = lines[1:]
    for line in lines:
        parts = line.split("|", 2)
        if len(parts) != 3:
            raise ParseError(_("unexpected buildx ls line: {value}").format(value=line[:80]))
        name_cell, platforms, raw = parts
        name = name_cell.strip()
        if name.startswith(NODE_PREFIX):
            if pending:
                pending[-1][2][name.removeprefix(NODE_PREFIX).strip()] = platforms.strip()
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ParseError(
                _("buildx ls printed a builder that is not JSON: {value}").format(value=line[:80])
            ) from error
        builder_name = str(data.get("Name") or name.rstrip("*"))
        if builder_name in seen:
            pending.append(({}, False, {}))  # a duplicate: collect its node rows and drop it
            continue
        seen.add(builder_name)
        pending.append((data, name.endswith("*"), {}))
    return [
        builder_from_json(data, current=current, platforms_text=texts)
        for data, current, texts in pending
        if data
    ]


def parse_ls_table(text: str) -> list[Builder]:
    """Plain `buildx ls` (any version): columns found from the header's offsets."""
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.startswith("NAME/NODE")), None)
    if header_at is None:
        raise ParseError(_("buildx ls printed no NAME/NODE header"))
    header = lines[header_at]
    starts = [
        header.index(title) for title in ("DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS")
    ]
    builders: list[tuple[str, str, bool, list[Node], str]] = []
    for line in lines[header_at + 1 :]:
        if not line.strip():
            continue
        cells = [line[: starts[0]]] + [
            line[a:b] for a, b in zip(starts, [*starts[1:], len(line) + 1], strict=True)
        ]
        name, driver, status, buildkit, platforms = (cell.strip() for cell in cells)
        if name.startswith(NODE_PREFIX):
            if builders:
                builders[-1][3].append(
                    Node(
                        name=name.removeprefix(NODE_PREFIX).strip(),
                        endpoint=driver.removeprefix(NODE_PREFIX).strip(),
                        status=status or "unknown",
                        buildkit=buildkit,
                        platforms=tuple(parse_platforms(platforms)),
                    )
                )
            continue
        builders.append((name.rstrip("*"), driver, name.endswith("*"), [], status))
    return [
        Builder(
            name=name,
            driver=driver,
            nodes=tuple(nodes),
            current=current,
            error=_("buildx reported an error for this builder") if status == "error" else None,
        )
        for name, driver, current, nodes, status in builders
    ]


def _split_field(line: str) -> tuple[str, str]:
    key, _unused, value = line.partition(":")
    return key.strip(), value.strip()


def parse_inspect(text: str) -> Inspection:
    """`buildx inspect NAME`: the builder's fields, then each node's fields and sections."""
    top: list[tuple[str, str]] = []
    nodes: list[InspectNode] = []
    fields: list[tuple[str, str]] | None = None
    sections: list[InspectSection] = []
    section: tuple[str, list[tuple[str, str]]] | None = None

    def close_section() -> None:
        nonlocal section
        if section is not None:
            sections.append(InspectSection(section[0], tuple(section[1])))
            section = None

    def close_node() -> None:
        nonlocal fields, sections
        close_section()
        if fields:
            nodes.append(InspectNode(tuple(fields), tuple(sections)))
        fields, sections = [], []

    for line in text.splitlines():
        if not line.strip():
            if fields is not None:
                close_node()
            continue
        if line.rstrip() == "Nodes:" and fields is None:
            fields = []
            continue
        if line[0].isspace():
            if section is not None:
                entry = line.strip()
                if entry.startswith(">"):
                    section[1].append(("", entry[1:].removeprefix(" ")))
                else:
                    section[1].append(_split_field(entry))
            continue
        key, value = _split_field(line)
        if fields is None:
            top.append((key, value))
            continue
        close_section()
        if not value and line.rstrip().endswith(":"):
            section = (key, [])
        else:
            fields.append((key, value))
    if fields is not None:
        close_node()
    if not top or top[0][0] != "Name":
        raise ParseError(_("buildx inspect printed no Name"))
    return Inspection(tuple(top), tuple(nodes))


_TOTALS = ("Shared", "Private", "Reclaimable", "Total")


def _totals(line: str, totals: dict[str, str]) -> bool:
    key, sep, value = line.partition(":")
    if sep and key.strip() in _TOTALS and value.strip():
        totals[key.strip()] = value.strip()
        return True
    return False


def _disk_usage(records: list[CacheRecord], totals: dict[str, str]) -> DiskUsage:
    return DiskUsage(
        records=tuple(records),
        total=totals.get("Total", "0B"),
        reclaimable=totals.get("Reclaimable", "0B"),
        shared=totals.get("Shared"),
        private=totals.get("Private"),
    )


def parse_du_table(text: str) -> DiskUsage:
    """`buildx du` (0.13): `ID RECLAIMABLE SIZE LAST ACCESSED` rows, then the totals.

    `*` after an ID marks a mutable record, after a size a shared one.
    """
    records: list[CacheRecord] = []
    totals: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("ID"):
            continue
        if _totals(line, totals):
            continue
        parts = line.split(None, 3)
        if len(parts) < 3 or parts[1] not in ("true", "false"):
            raise ParseError(_("unexpected buildx du line: {value}").format(value=line[:80]))
        record_id, reclaimable, size = parts[:3]
        records.append(
            CacheRecord(
                id=record_id.rstrip("*"),
                reclaimable=reclaimable == "true",
                size=size.rstrip("*"),
                size_bytes=parse_size(size),
                last_accessed=parts[3].strip() if len(parts) > 3 else "",
                mutable=record_id.endswith("*"),
                shared=size.endswith("*"),
                in_use=reclaimable != "true",
            )
        )
    return _disk_usage(records, totals)


def _record_from_block(block: dict[str, list[str]]) -> CacheRecord:
    def one(key: str, default: str = "") -> str:
        values = block.get(key)
        return values[0] if values else default

    size = one("Size", "0B")
    usage = one("Usage count")
    reclaimable = one("Reclaimable") == "true"
    return CacheRecord(
        id=one("ID"),
        reclaimable=reclaimable,
        size=size,
        size_bytes=parse_size(size),
        last_accessed=one("Last used"),
        mutable=one("Mutable") == "true",
        shared=one("Shared") == "true",
        in_use=one("In use") == "true" if "In use" in block else not reclaimable,
        record_type=one("Type"),
        description=one("Description"),
        parents=tuple(block.get("Parent", []) + block.get("Parents", [])),
        created_at=one("Created at"),
        usage_count=int(usage) if usage.isdigit() else None,
    )


def parse_du_verbose(text: str) -> DiskUsage:
    """`buildx du --verbose` (or `prune --verbose`): one `Key: value` block per record."""
    records: list[CacheRecord] = []
    totals: dict[str, str] = {}
    block: dict[str, list[str]] = {}
    last_key = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if block:
                records.append(_record_from_block(block))
                block = {}
            continue
        if not block and _totals(line, totals):
            continue
        if line[0].isspace() and last_key:
            block.setdefault(last_key, []).append(line.strip())
            continue
        key, _unused, value = line.partition(":")
        last_key = key.strip()
        if value.strip():
            block.setdefault(last_key, []).append(value.strip())
        else:
            block.setdefault(last_key, [])
    return _disk_usage(records, totals)


def parse_du(text: str) -> DiskUsage:
    """Either form of `buildx du` output."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.startswith("ID:"):
        return parse_du_verbose(text)
    return parse_du_table(text)


_HUMAN = re.compile(
    r"^(?:About an? |Less than an? )?(\d+|an?)?\s*(second|minute|hour|day|week|month|year)s?",
    re.IGNORECASE,
)
_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}


def parse_human_duration(text: str) -> float | None:
    """Seconds from go-units HumanDuration (`About a minute ago`, `3 days ago`); None if unknown."""
    text = text.strip().removesuffix(" ago")
    if text.lower().startswith("less than a second"):
        return 0.0
    match = _HUMAN.match(text)
    if not match:
        return None
    count = match.group(1)
    number = 1 if not count or count.lower() in ("a", "an") else int(count)
    return float(number * _SECONDS[match.group(2).lower()])


_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_go_duration(text: str) -> float:
    """Seconds from a Go duration as `--filter until=` takes it (`24h`, `1h30m`, `90s`)."""
    text = text.strip()
    if not text or _GO_DURATION.sub("", text) != "":
        raise ParseError(f"not a duration: {text!r} (use e.g. 24h, 30m, 1h30m)")
    return sum(float(n) * _GO_UNITS[unit] for n, unit in _GO_DURATION.findall(text))
