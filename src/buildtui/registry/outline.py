"""The manifest tree of a tag as pure data: what each line says, its semantic style, and
what copy and raw act on (the pane's tree and `buildtui inspect` show it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from buildtui.i18n import _, ngettext
from buildtui.registry.contents import Statement, config_details, counted, join_words
from buildtui.registry.crossref import CacheBreakdown, cache_layers
from buildtui.registry.models import Descriptor, ImageConfig, Kind, Manifest, kind_word
from buildtui.registry.present import cache_summary, format_size, short_digest, short_media_type
from buildtui.registry.reference import join_reference
from buildtui.registry.scan import ChildReport, ImageReport

KIND_STYLES = {
    "index": "bold",
    "image": "bold success",
    "attestation": "muted",
    "cache": "primary",
    "artifact": "accent",
    "unknown": "warning",
    "error": "bold error",
}
"""A tree line's semantic style by its node's kind (theme colours, resolved by the UI)."""


def kind_style(kind: str) -> str:
    """The semantic style of a tree line of that kind (empty for plain lines)."""
    return KIND_STYLES.get(kind, "")


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
    pending: Descriptor | None = None
    """An index entry not read yet (a large index is read on demand): read when opened."""


def _times(count: int) -> str:
    return f"  x{count}" if count > 1 else ""


def _config_node(descriptor: Descriptor, config: ImageConfig | None) -> OutlineNode:
    created = (
        "  " + _("created {when}").format(when=config.created) if config and config.created else ""
    )
    details: list[OutlineNode] = []
    if config is not None:
        run = config_details(config.data)
        if config.platform:
            details.append(
                OutlineNode(
                    _("platform {platform}").format(platform=config.platform), kind="detail"
                )
            )
        if run.entrypoint is not None:
            details.append(OutlineNode(f"entrypoint {join_words(run.entrypoint)}", kind="detail"))
        if run.cmd is not None:
            details.append(OutlineNode(f"cmd {join_words(run.cmd)}", kind="detail"))
        if run.history:
            details.append(
                OutlineNode(
                    ngettext(
                        "history ({count} steps)", "history ({count} steps)", len(run.history)
                    ).format(count=len(run.history)),
                    kind="history",
                    children=tuple(
                        OutlineNode(f"{n}. {line or _('(no command)')}", kind="detail")
                        for n, line in enumerate(run.history, 1)
                    ),
                )
            )
    return OutlineNode(
        _("config {digest}").format(digest=short_digest(descriptor.digest))
        + f"  {format_size(descriptor.size)}  {short_media_type(descriptor.media_type)}{created}",
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
            _("layer {number}").format(number=number)
            + f"  {short_digest(digest)}  {format_size(layer.size)}  "
            f"{short_media_type(layer.media_type)}{_times(count)}"
        )
        use = breakdown.of(digest) if breakdown else None
        children: tuple[OutlineNode, ...] = ()
        if use is not None:
            # Said once: on the line for one place, on a line each below for several.
            if use.cache_only:
                label += "  " + _("only in the cache")
            elif len(use.also_in) == 1:
                label += "  " + _("also {where}").format(where=use.also_in[0])
            else:
                label += "  " + ngettext(
                    "also a layer of {count} images",
                    "also a layer of {count} images",
                    len(use.also_in),
                ).format(count=len(use.also_in))
                children = tuple(OutlineNode(where, kind="detail") for where in use.also_in)
        nodes.append(OutlineNode(label, kind="layer", digest=digest, children=children))
    return nodes


def statement_nodes(statements: tuple[Statement, ...]) -> list[OutlineNode]:
    """What an attestation says: its subject, predicate and the predicate's main facts."""
    nodes = []
    for statement in statements:
        about = ", ".join(short_digest(d) for d in statement.subject_digests) or _("nothing")
        facts: list[OutlineNode] = []
        provenance = statement.provenance
        if provenance is not None:
            facts.append(
                OutlineNode(
                    _("builder {name}").format(name=provenance.builder or _("(not named)")),
                    kind="detail",
                )
            )
            facts.append(
                OutlineNode(
                    _("frontend {name}").format(name=provenance.frontend or "-"), kind="detail"
                )
            )
            args = ", ".join(f"{name}=…" for name in provenance.build_args) or _("none")
            facts.append(OutlineNode(_("build args {args}").format(args=args), kind="detail"))
            facts.append(
                OutlineNode(
                    _("materials ({count})").format(count=len(provenance.materials)),
                    kind="materials",
                    children=tuple(
                        OutlineNode(
                            f"{m.name}  {short_digest(m.digest) if m.digest else _('(no digest)')}",
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
                    _("built {start} → {end}").format(
                        start=provenance.started or "?", end=provenance.finished or "?"
                    ),
                    kind="detail",
                )
            )
        if statement.packages is not None:
            facts.append(
                OutlineNode(
                    ngettext("{count} packages", "{count} packages", statement.packages).format(
                        count=statement.packages
                    ),
                    kind="detail",
                )
            )
        if statement.note:
            facts.append(OutlineNode(f"! {statement.note}", kind="error"))
        nodes.append(
            OutlineNode(
                _("{what} about {about}").format(what=statement.what, about=about),
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
                    _("cache config {digest}").format(digest=short_digest(cache_config.digest))
                    + f"  {format_size(cache_config.size)}",
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


def _annotation_nodes(annotations: Mapping[str, str]) -> list[OutlineNode]:
    if not annotations:
        return []
    return [
        OutlineNode(
            _("annotations ({count})").format(count=len(annotations)),
            kind="annotations",
            children=tuple(
                OutlineNode(f"{key} = {value}", kind="annotation")
                for key, value in annotations.items()
            ),
        )
    ]


def entry_outline(report: ImageReport, child: ChildReport) -> OutlineNode:
    """One entry of an index: its manifest's config, layers and what it says; an entry not
    read yet says so (it is read when opened)."""
    descriptor = child.descriptor
    name = f"{report.label(child)}  {kind_word(child.kind)}  {short_digest(descriptor.digest)}"
    if child.unread:
        return OutlineNode(
            f"{name}  "
            + _("{size} manifest  (not read yet: open it)").format(
                size=format_size(descriptor.size)
            ),
            kind=child.kind.value,
            digest=descriptor.digest,
            pending=descriptor,
        )
    label = f"{name}  {format_size(child.size)}"
    grand: list[OutlineNode] = []
    if child.manifest is not None:
        grand = _blob_nodes(child.manifest, child.config, child.statements)
    if child.error:
        label += "  ! " + _("could not be read")
        grand.insert(0, OutlineNode(f"! {child.error}", kind="error"))
    grand += _annotation_nodes(descriptor.annotations)
    return OutlineNode(
        label,
        kind=child.kind.value,
        digest=descriptor.digest,
        manifest=child.manifest,
        raw=child.raw,
        children=tuple(grand),
        expand=child.kind is Kind.IMAGE,
    )


def report_outline(report: ImageReport, breakdown: CacheBreakdown | None = None) -> OutlineNode:
    """The manifest tree of a tag: index -> platform manifests -> config and layers, what
    attestations say, and for a cache its config and where each layer also is."""
    manifest = report.manifest
    note = f"  ({manifest.note})" if manifest.note else ""
    children = [entry_outline(report, child) for child in report.children]
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
        f"{join_reference(report.repository, report.reference)}  {kind_word(manifest.kind)}  "
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
