"""Pure presentation of registry data: sizes, digests, JSON documents for `--json`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from buildtui.registry.models import SHORT_MEDIA_TYPES, ImageConfig, Kind, Manifest
from buildtui.registry.reference import join_reference
from buildtui.registry.scan import ChildReport, ImageReport, RegistryScan, SharedBlob, TagEntry


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
    except (ValueError, UnicodeDecodeError, RecursionError):
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
        return {
            "tag": entry.tag,
            "error": entry.error,
            **({"digest": entry.digest} if entry.digest else {}),
        }
    document = {
        "tag": entry.tag,
        "digest": report.digest,
        "media_type": report.manifest.media_type,
        "kind": report.kind.value,
        "platforms": [str(p) for p in report.platforms],
        "size": report.unique_size,
        "damaged": report.damaged is not None,
    }
    if report.errors:
        document["errors"] = list(report.errors)
    return document


def scan_json(scan: RegistryScan) -> dict[str, Any]:
    """`buildtui registry ls --json`: every repository and tag."""
    document: dict[str, Any] = {
        "registry": scan.registry,
        "repositories": [
            {
                "name": name,
                "tags": [tag_json(entry) for entry in entries],
                **({"error": scan.errors[name]} if name in scan.errors else {}),
                **({"truncated": scan.tags_cut[name]} if name in scan.tags_cut else {}),
            }
            for name, entries in scan.repositories.items()
        ],
        "unique_size": scan.unique_size,
    }
    if scan.catalog_cut:
        document["truncated"] = scan.catalog_cut
    return document


@dataclass(frozen=True)
class OutlineNode:
    """One line of the manifest tree: what to show and what copy/raw act on."""

    label: str
    kind: str = ""
    digest: str | None = None
    manifest: Manifest | None = None
    raw: bytes | None = None
    children: tuple[OutlineNode, ...] = ()
    expand: bool = False


def _blob_nodes(manifest: Manifest, config: ImageConfig | None) -> list[OutlineNode]:
    nodes = []
    if manifest.config is not None:
        created = f"  created {config.created}" if config and config.created else ""
        nodes.append(
            OutlineNode(
                f"config {short_digest(manifest.config.digest)}  "
                f"{format_size(manifest.config.size)}  "
                f"{short_media_type(manifest.config.media_type)}{created}",
                kind="config",
                digest=manifest.config.digest,
                raw=json.dumps(config.data).encode() if config and config.data else None,
            )
        )
    entries = manifest.manifests if manifest.kind is Kind.CACHE and manifest.is_index else ()
    for number, layer in enumerate(manifest.layers or entries, 1):
        what = "entry" if entries else "layer"
        nodes.append(
            OutlineNode(
                f"{what} {number}  {short_digest(layer.digest)}  {format_size(layer.size)}  "
                f"{short_media_type(layer.media_type)}",
                kind=what,
                digest=layer.digest,
            )
        )
    nodes += _annotation_nodes(manifest.annotations)
    return nodes


def _annotation_nodes(annotations: Mapping[str, str]) -> list[OutlineNode]:
    if not annotations:
        return []
    return [
        OutlineNode(
            f"annotations ({len(annotations)})",
            kind="annotations",
            children=tuple(
                OutlineNode(f"{key} = {value}", kind="annotation")
                for key, value in annotations.items()
            ),
        )
    ]


def report_outline(report: ImageReport) -> OutlineNode:
    """The manifest tree of a tag: index -> platform manifests -> config and layers."""
    manifest = report.manifest
    note = f"  ({manifest.note})" if manifest.note else ""
    children: list[OutlineNode] = []
    for child in report.children:
        descriptor = child.descriptor
        label = (
            f"{report.label(child)}  {child.kind.value}  {short_digest(descriptor.digest)}  "
            f"{format_size(child.size)}"
        )
        grand: list[OutlineNode] = []
        if child.manifest is not None:
            grand = _blob_nodes(child.manifest, child.config)
        if child.error:
            label += "  ! could not be read"
            grand.insert(0, OutlineNode(f"! {child.error}", kind="error"))
        grand += _annotation_nodes(descriptor.annotations)
        children.append(
            OutlineNode(
                label,
                kind=child.kind.value,
                digest=descriptor.digest,
                manifest=child.manifest,
                raw=child.raw,
                children=tuple(grand),
                expand=child.kind is Kind.IMAGE,
            )
        )
    if not report.children:
        children = _blob_nodes(manifest, report.config)
    elif manifest.annotations:
        children += _annotation_nodes(manifest.annotations)
    return OutlineNode(
        f"{join_reference(report.repository, report.reference)}  {manifest.kind.value}  "
        f"{short_media_type(manifest.media_type)}  {short_digest(manifest.digest)}{note}",
        kind=manifest.kind.value,
        digest=manifest.digest,
        manifest=manifest,
        children=tuple(children),
        expand=True,
    )


def shared_note(shared: tuple[SharedBlob, ...]) -> str:
    """`2 blobs (32 B) are shared: ...`, or an empty string."""
    if not shared:
        return ""
    total = sum(blob.size for blob in shared)
    parts = [f"{short_digest(b.digest)} by {', '.join(b.users)}" for b in shared[:4]]
    more = f" and {len(shared) - 4} more" if len(shared) > 4 else ""
    noun = "blob is" if len(shared) == 1 else "blobs are"
    return (
        f"{len(shared)} {noun} shared ({format_size(total)}, counted once): "
        + "; ".join(parts)
        + more
    )
