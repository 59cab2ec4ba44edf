"""Pure presentation of registry data: sizes, digests, JSON documents for `--json`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from buildtui.registry.contents import Statement, config_details, counted, join_words
from buildtui.registry.crossref import CacheBreakdown, cache_layers
from buildtui.registry.models import (
    REFERENCE_DIGEST,
    SHORT_MEDIA_TYPES,
    Descriptor,
    ImageConfig,
    Kind,
    Manifest,
)
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


def _descriptors_json(descriptors: tuple[Descriptor, ...]) -> list[dict[str, Any]]:
    """Each blob once, in order, with how many times the document lists it."""
    by_digest = {d.digest: d for d in descriptors}
    return [
        {
            "digest": digest,
            "media_type": by_digest[digest].media_type,
            "size": by_digest[digest].size,
            "count": count,
        }
        for digest, count in counted(d.digest for d in descriptors).items()
    ]


def config_json(descriptor: Descriptor, config: ImageConfig | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "digest": descriptor.digest,
        "media_type": descriptor.media_type,
        "size": descriptor.size,
    }
    if config is not None:
        details = config_details(config.data)
        document.update(
            platform=str(config.platform) if config.platform else None,
            created=config.created,
            entrypoint=list(details.entrypoint) if details.entrypoint is not None else None,
            cmd=list(details.cmd) if details.cmd is not None else None,
            history=list(details.history),
        )
    return document


def statement_json(statement: Statement) -> dict[str, Any]:
    document: dict[str, Any] = {
        "layer": statement.layer,
        "predicate_type": statement.predicate_type,
        "what": statement.what,
        "subjects": [{"name": n, "digest": d} for n, d in statement.subjects],
    }
    provenance = statement.provenance
    if provenance is not None:
        document["provenance"] = {
            "builder": provenance.builder,
            "build_type": provenance.build_type,
            "frontend": provenance.frontend,
            "build_args": list(provenance.build_args),
            "materials": [
                {"uri": m.uri, "name": m.name, "digest": m.digest} for m in provenance.materials
            ],
            "started": provenance.started,
            "finished": provenance.finished,
        }
    if statement.packages is not None:
        document["packages"] = statement.packages
    if statement.note:
        document["note"] = statement.note
    return document


def _manifest_json(
    manifest: Manifest, config: ImageConfig | None, statements: tuple[Statement, ...]
) -> dict[str, Any]:
    """Config and layers of an image (or attestation, artifact) manifest, and what it says."""
    document: dict[str, Any] = {}
    if manifest.config is not None:
        document["config"] = config_json(manifest.config, config)
    if not manifest.is_index:
        document["layers"] = _descriptors_json(manifest.layers)
    if manifest.annotations:
        document["annotations"] = dict(manifest.annotations)
    if statements:
        document["statements"] = [statement_json(s) for s in statements]
    return document


def child_json(child: ChildReport) -> dict[str, Any]:
    document: dict[str, Any] = {
        "digest": child.descriptor.digest,
        "media_type": child.descriptor.media_type,
        "platform": str(child.platform) if child.platform else None,
        "kind": child.kind.value,
        "size": child.descriptor.size,
    }
    if child.descriptor.annotations:
        document["annotations"] = dict(child.descriptor.annotations)
    if child.descriptor.is_attestation:
        document["subject"] = child.descriptor.annotations.get(REFERENCE_DIGEST)
    if child.manifest is not None:
        document["compressed_size"] = child.size
        document.update(_manifest_json(child.manifest, child.config, child.statements))
    if child.error:
        document["error"] = child.error
    return document


def cache_json(report: ImageReport, breakdown: CacheBreakdown | None) -> dict[str, Any]:
    """The `cache` object of `inspect --json`: records, chains, layers and the bytes split."""
    cache = report.cache
    document: dict[str, Any] = {
        "config": cache.digest if cache else None,
        "records": len(cache.records) if cache else None,
        "records_with_layers": cache.results if cache else None,
        "chains": [list(chain) for chain in cache.chains()] if cache else [],
    }
    if cache and cache.note:
        document["note"] = cache.note
    if breakdown is not None:
        document["layers"] = [
            {
                "digest": layer.digest,
                "size": layer.size,
                "count": layer.count,
                "also_in": list(layer.also_in),
                "cache_only": layer.cache_only,
            }
            for layer in breakdown.layers
        ]
        document.update(
            shared_bytes=breakdown.shared_bytes,
            cache_only_bytes=breakdown.cache_only_bytes,
            config_bytes=breakdown.config_size,
            images_compared=breakdown.compared_with,
        )
    return document


def inspect_json(report: ImageReport, breakdown: CacheBreakdown | None = None) -> dict[str, Any]:
    """`buildtui inspect --json`: the whole tree (an index's entries with their configs and
    layers, a manifest's config and layers, a cache's entries) and what caches and
    attestations say."""
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
    if manifest.is_index and manifest.kind is Kind.CACHE:
        document["manifests"] = _descriptors_json(manifest.manifests)
    document.update(_manifest_json(manifest, report.config, report.statements))
    if manifest.kind is Kind.CACHE:
        document["cache"] = cache_json(report, breakdown)
    errors = list(report.errors) + list(report.problems)
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


def _times(count: int) -> str:
    return f"  x{count}" if count > 1 else ""


def _config_node(descriptor: Descriptor, config: ImageConfig | None) -> OutlineNode:
    created = f"  created {config.created}" if config and config.created else ""
    details: list[OutlineNode] = []
    if config is not None:
        run = config_details(config.data)
        if config.platform:
            details.append(OutlineNode(f"platform {config.platform}", kind="detail"))
        if run.entrypoint is not None:
            details.append(OutlineNode(f"entrypoint {join_words(run.entrypoint)}", kind="detail"))
        if run.cmd is not None:
            details.append(OutlineNode(f"cmd {join_words(run.cmd)}", kind="detail"))
        if run.history:
            details.append(
                OutlineNode(
                    f"history ({len(run.history)} steps)",
                    kind="history",
                    children=tuple(
                        OutlineNode(f"{n}. {line or '(no command)'}", kind="detail")
                        for n, line in enumerate(run.history, 1)
                    ),
                )
            )
    return OutlineNode(
        f"config {short_digest(descriptor.digest)}  {format_size(descriptor.size)}  "
        f"{short_media_type(descriptor.media_type)}{created}",
        kind="config",
        digest=descriptor.digest,
        raw=json.dumps(config.data).encode() if config and config.data else None,
        children=tuple(details),
    )


def _layer_nodes(
    layers: tuple[Descriptor, ...], breakdown: CacheBreakdown | None = None
) -> list[OutlineNode]:
    """Each blob once (in order) with its count; for a cache, where else it is."""
    by_digest = {layer.digest: layer for layer in layers}
    nodes = []
    for number, (digest, count) in enumerate(counted(d.digest for d in layers).items(), 1):
        layer = by_digest[digest]
        label = (
            f"layer {number}  {short_digest(digest)}  {format_size(layer.size)}  "
            f"{short_media_type(layer.media_type)}{_times(count)}"
        )
        use = breakdown.of(digest) if breakdown else None
        children: tuple[OutlineNode, ...] = ()
        if use is not None:
            label += "  only in the cache" if use.cache_only else f"  also {use.also_in[0]}"
            if len(use.also_in) > 1:
                children = tuple(
                    OutlineNode(f"also {where}", kind="detail") for where in use.also_in
                )
        nodes.append(OutlineNode(label, kind="layer", digest=digest, children=children))
    return nodes


def statement_nodes(statements: tuple[Statement, ...]) -> list[OutlineNode]:
    """What an attestation says: its subject, predicate and the predicate's main facts."""
    nodes = []
    for statement in statements:
        about = ", ".join(short_digest(d) for d in statement.subject_digests) or "nothing"
        facts: list[OutlineNode] = []
        provenance = statement.provenance
        if provenance is not None:
            facts.append(
                OutlineNode(f"builder {provenance.builder or '(not named)'}", kind="detail")
            )
            facts.append(OutlineNode(f"frontend {provenance.frontend or '-'}", kind="detail"))
            args = ", ".join(f"{name}=…" for name in provenance.build_args) or "none"
            facts.append(OutlineNode(f"build args {args}", kind="detail"))
            facts.append(
                OutlineNode(
                    f"materials ({len(provenance.materials)})",
                    kind="materials",
                    children=tuple(
                        OutlineNode(
                            f"{m.name}  {short_digest(m.digest) if m.digest else '(no digest)'}",
                            kind="detail",
                            digest=m.digest,
                        )
                        for m in provenance.materials
                    ),
                    expand=True,
                )
            )
            facts.append(
                OutlineNode(
                    f"built {provenance.started or '?'} → {provenance.finished or '?'}",
                    kind="detail",
                )
            )
        if statement.packages is not None:
            facts.append(OutlineNode(f"{statement.packages} packages", kind="detail"))
        if statement.note:
            facts.append(OutlineNode(f"! {statement.note}", kind="error"))
        nodes.append(
            OutlineNode(
                f"{statement.what} about {about}",
                kind="statement",
                digest=statement.layer,
                children=tuple(facts),
                expand=True,
            )
        )
    return nodes


def _blob_nodes(
    manifest: Manifest,
    config: ImageConfig | None,
    statements: tuple[Statement, ...] = (),
    breakdown: CacheBreakdown | None = None,
) -> list[OutlineNode]:
    nodes = statement_nodes(statements)
    if manifest.kind is Kind.CACHE:
        layers, cache_config = cache_layers(manifest)
        if cache_config is not None:
            nodes.append(
                OutlineNode(
                    f"cache config {short_digest(cache_config.digest)}  "
                    f"{format_size(cache_config.size)}",
                    kind="config",
                    digest=cache_config.digest,
                )
            )
        nodes += _layer_nodes(layers, breakdown)
    else:
        if manifest.config is not None:
            nodes.append(_config_node(manifest.config, config))
        nodes += _layer_nodes(manifest.layers)
    nodes += _annotation_nodes(manifest.annotations)
    return nodes


def cache_summary(report: ImageReport, breakdown: CacheBreakdown | None) -> str:
    """`9 records (2 with a layer), 3 layer chains; 2.1 MB shared with images, ...`."""
    cache = report.cache
    parts = []
    if cache is not None:
        parts.append(
            f"{len(cache.records)} records ({cache.results} with a layer), "
            f"{len(cache.chains())} layer chains"
        )
    if breakdown is not None:
        parts.append(
            f"{format_size(breakdown.shared_bytes)} shared with images, "
            f"{format_size(breakdown.cache_only_bytes)} only in the cache"
            + (" (config included)" if breakdown.config_size else "")
        )
    return "; ".join(parts)


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


def report_outline(report: ImageReport, breakdown: CacheBreakdown | None = None) -> OutlineNode:
    """The manifest tree of a tag: index -> platform manifests -> config and layers, what
    attestations say, and for a cache its config and where each layer also is."""
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
            grand = _blob_nodes(child.manifest, child.config, child.statements)
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
        children = _blob_nodes(manifest, report.config, report.statements, breakdown)
        if manifest.kind is Kind.CACHE:
            summary = cache_summary(report, breakdown)
            if summary:
                children.insert(0, OutlineNode(summary, kind="detail"))
    elif manifest.annotations:
        children += _annotation_nodes(manifest.annotations)
    for problem in report.problems:
        children.append(OutlineNode(f"! {problem}", kind="error"))
    return OutlineNode(
        f"{join_reference(report.repository, report.reference)}  {manifest.kind.value}  "
        f"{short_media_type(manifest.media_type)}  {short_digest(manifest.digest)}{note}",
        kind=manifest.kind.value,
        digest=manifest.digest,
        manifest=manifest,
        children=tuple(children),
        expand=True,
    )


def outline_lines(node: OutlineNode, indent: str = "") -> list[str]:
    """The tree as text, every node shown (for `buildtui inspect`)."""
    lines = [f"{indent}{node.label}"]
    for child in node.children:
        lines += outline_lines(child, indent + "  ")
    return lines


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
