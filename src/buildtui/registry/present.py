"""Pure presentation of registry data: sizes, digests, JSON documents for `--json`."""

from __future__ import annotations

import json
from typing import Any

from buildtui import l10n
from buildtui.i18n import _, ngettext
from buildtui.registry.contents import Statement, config_details, counted
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.models import (
    REFERENCE_DIGEST,
    SHORT_MEDIA_TYPES,
    Descriptor,
    ImageConfig,
    Kind,
    Manifest,
)
from buildtui.registry.scan import (
    ChildReport,
    ImageReport,
    RegistryScan,
    RepositoryListing,
    TagEntry,
)


def format_size(size: int) -> str:
    """Bytes the way `docker` prints them: 1000-based, three significant digits, with the
    language's decimal mark (`l10n.size`: `2.1 MB`, `2,1 MB`)."""
    return l10n.size(size)


def short_digest(digest: str, length: int = 12) -> str:
    algorithm, _unused, hexpart = digest.partition(":")
    return f"{algorithm}:{hexpart[:length]}" if hexpart else digest


def short_media_type(media_type: str) -> str:
    return SHORT_MEDIA_TYPES.get(media_type, media_type or _("(no media type)"))


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
    seen = entry.summarized()
    if seen is None:
        return {
            "tag": entry.tag,
            "error": entry.error,
            **({"digest": entry.digest} if entry.digest else {}),
        }
    document = {
        "tag": entry.tag,
        "digest": seen.digest,
        "media_type": seen.media_type,
        "kind": seen.kind.value,
        "platforms": list(seen.platforms),
        "size": seen.size,
        "damaged": seen.damaged is not None,
    }
    if seen.errors:
        document["errors"] = list(seen.errors)
    return document


def repository_json(listing: RepositoryListing) -> dict[str, Any]:
    """One repository of `registry ls --json`."""
    return {
        "name": listing.name,
        "tags": [tag_json(entry) for entry in listing.entries],
        **({"error": listing.error} if listing.error is not None else {}),
        **({"truncated": listing.cut} if listing.cut is not None else {}),
    }


def scan_end_json(scan: RegistryScan) -> dict[str, Any]:
    """What `registry ls --json` says after its repositories."""
    document: dict[str, Any] = {"unique_size": scan.unique_size}
    if scan.catalog_cut:
        document["truncated"] = scan.catalog_cut
    return document


def scan_json(scan: RegistryScan) -> dict[str, Any]:
    """`buildtui registry ls --json`: every repository and tag."""
    return {
        "registry": scan.registry,
        "repositories": [
            repository_json(
                RepositoryListing(name, entries, scan.errors.get(name), scan.tags_cut.get(name))
            )
            for name, entries in scan.repositories.items()
        ],
        **scan_end_json(scan),
    }


def cache_summary(report: ImageReport, breakdown: CacheBreakdown | None) -> str:
    """`9 records (2 with a layer), 3 layer chains; 2.1 MB shared with images, ...`."""
    cache = report.cache
    parts = []
    if cache is not None:
        parts.append(
            ngettext(
                "{count} records ({results} with a layer), {chains} layer chains",
                "{count} records ({results} with a layer), {chains} layer chains",
                len(cache.records),
            ).format(count=len(cache.records), results=cache.results, chains=len(cache.chains()))
        )
    if breakdown is not None:
        parts.append(
            _("{size} shared with images, {size2} only in the cache").format(
                size=format_size(breakdown.shared_bytes),
                size2=format_size(breakdown.cache_only_bytes),
            )
            + (" " + _("(config included)") if breakdown.config_size else "")
        )
    return "; ".join(parts)
