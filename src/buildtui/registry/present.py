"""Pure presentation of registry data: sizes, digests, JSON documents for `--json`."""

from __future__ import annotations

import json
from typing import Any

from buildtui.registry.models import SHORT_MEDIA_TYPES, Manifest
from buildtui.registry.scan import ChildReport, ImageReport, RegistryScan, TagEntry


def format_size(size: int) -> str:
    """Bytes the way `docker` prints them: 1000-based, three significant digits."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def short_digest(digest: str, length: int = 12) -> str:
    algorithm, _, hexpart = digest.partition(":")
    return f"{algorithm}:{hexpart[:length]}" if hexpart else digest


def short_media_type(media_type: str) -> str:
    return SHORT_MEDIA_TYPES.get(media_type, media_type or "(no media type)")


def pretty_json(manifest: Manifest | bytes) -> str:
    """Indented JSON for the raw view; bytes that are not JSON come back as text."""
    raw = manifest.raw if isinstance(manifest, Manifest) else manifest
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


def child_json(child: ChildReport) -> dict[str, Any]:
    return {
        "digest": child.descriptor.digest,
        "media_type": child.descriptor.media_type,
        "platform": str(child.platform) if child.platform else None,
        "kind": child.kind.value,
        "size": child.descriptor.size,
    }


def inspect_json(report: ImageReport) -> dict[str, Any]:
    """`buildtui inspect --json`: the manifest and, for an index, its entries."""
    manifest = report.manifest
    document: dict[str, Any] = {
        "ref": report.ref,
        "digest": manifest.digest,
        "media_type": manifest.media_type,
        "kind": manifest.kind.value,
        "size": manifest.size,
        "manifests": [child_json(child) for child in report.children],
        "platforms": [str(p) for p in report.platforms],
        "compressed_size": report.unique_size,
    }
    errors = list(report.errors)
    if errors:
        document["errors"] = errors
    return document


def tag_json(entry: TagEntry) -> dict[str, Any]:
    report = entry.report
    if report is None:
        return {"tag": entry.tag, "error": entry.error}
    return {
        "tag": entry.tag,
        "digest": report.digest,
        "media_type": report.manifest.media_type,
        "kind": report.kind.value,
        "platforms": [str(p) for p in report.platforms],
        "size": report.unique_size,
    }


def scan_json(scan: RegistryScan) -> dict[str, Any]:
    """`buildtui registry ls --json`: every repository and tag."""
    return {
        "registry": scan.registry,
        "repositories": [
            {
                "name": name,
                "tags": [tag_json(entry) for entry in entries],
                **({"error": scan.errors[name]} if name in scan.errors else {}),
            }
            for name, entries in scan.repositories.items()
        ],
        "unique_size": scan.unique_size,
    }
