"""Parse manifest bytes and say what they are; unknown JSON becomes Kind.UNKNOWN, never a crash."""

from __future__ import annotations

import json
from typing import Any

from buildtui import l10n
from buildtui.i18n import _
from buildtui.registry.errors import MalformedManifest
from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    IMAGE_CONFIG_TYPES,
    IMAGE_MEDIA_TYPES,
    IN_TOTO,
    INDEX_MEDIA_TYPES,
    MANIFEST_MEDIA_TYPES,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Kind,
    Manifest,
)


def _content_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _media_type(data: dict[str, Any], content_type: str) -> str:
    declared = data.get("mediaType")
    if isinstance(declared, str) and declared:
        return declared
    if content_type in MANIFEST_MEDIA_TYPES:
        return content_type
    # OCI allows omitting mediaType; guess from the shape as registries do.
    if isinstance(data.get("manifests"), list):
        return OCI_INDEX
    if isinstance(data.get("config"), dict) and isinstance(data.get("layers"), list):
        return OCI_MANIFEST
    return content_type


def _descriptors(value: object) -> tuple[tuple[Descriptor, ...], int]:
    """Descriptors from a JSON list, and how many entries were unusable."""
    if not isinstance(value, list):
        return (), 0
    found = [Descriptor.from_json(item) for item in value]
    good = tuple(d for d in found if d is not None)
    return good, len(found) - len(good)


def _annotations(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def classify_image_manifest(config: Descriptor | None, layers: tuple[Descriptor, ...]) -> Kind:
    if config is None:
        return Kind.UNKNOWN
    if config.media_type == BUILDKIT_CACHE_CONFIG:
        return Kind.CACHE
    if layers and all(layer.media_type == IN_TOTO for layer in layers):
        return Kind.ATTESTATION
    if config.media_type in IMAGE_CONFIG_TYPES:
        return Kind.IMAGE
    return Kind.ARTIFACT


def parse_manifest(raw: bytes, digest: str, content_type: str | None = None) -> Manifest:
    """A Manifest from bytes as served. Raises MalformedManifest only for non-JSON-object bytes."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedManifest(
            _(
                "manifest {digest} is not valid JSON ({value}); the registry holds "
                "broken content: push the image again or delete this manifest"
            ).format(digest=digest, value=str(error)[:100]),
            raw=raw,
            digest=digest,
        ) from None
    except RecursionError:
        # Python's parser recurses per nesting level (Go's stops at 10,000 levels): a
        # manifest of 200,000 `[` would otherwise crash every listing that reads it.
        raise MalformedManifest(
            _(
                "manifest {digest} is nested too deeply to be read ({count} bytes); "
                "it is not a real manifest: delete it, or push the image again"
            ).format(digest=digest, count=l10n.count(len(raw))),
            raw=raw,
            digest=digest,
        ) from None
    if not isinstance(data, dict):
        raise MalformedManifest(
            _(
                "manifest {digest} is JSON but not an object ({kind}); push the "
                "image again or delete this manifest"
            ).format(digest=digest, kind=type(data).__name__),
            raw=raw,
            digest=digest,
        )
    media_type = _media_type(data, _content_type(content_type))
    manifests, bad_manifests = _descriptors(data.get("manifests"))
    layers, bad_layers = _descriptors(data.get("layers"))
    config = Descriptor.from_json(data.get("config"))
    subject = Descriptor.from_json(data.get("subject"))
    annotations = _annotations(data.get("annotations"))
    artifact_type = data.get("artifactType")
    artifact_type = artifact_type if isinstance(artifact_type, str) and artifact_type else None
    kind, note = Kind.UNKNOWN, None
    kept: dict[str, Any] = {}
    """What the manifest keeps of its descriptors, by its kind."""
    if data.get("schemaVersion") == 1:
        note = _("schema 1 manifests are deprecated and not inspected; push the image again")
    elif media_type in INDEX_MEDIA_TYPES:
        if bad_manifests:
            note = _("{bad_manifests} entries of the index have no digest and are left out").format(
                bad_manifests=bad_manifests
            )
        if any(d.media_type == BUILDKIT_CACHE_CONFIG for d in manifests):
            kind = Kind.CACHE
            note = _("BuildKit registry cache (index form: layers and a cache config)")
        else:
            kind = Kind.INDEX
        kept = {"manifests": manifests}
    elif media_type in IMAGE_MEDIA_TYPES or (media_type == "" and config is not None):
        if config is None:
            note = _("an image manifest without a config descriptor")
        elif bad_layers:
            note = _("{bad_layers} layers have no digest and are left out").format(
                bad_layers=bad_layers
            )
        kind = classify_image_manifest(config, layers)
        if artifact_type and kind is Kind.IMAGE:
            kind = Kind.ARTIFACT
        if kind is Kind.CACHE:
            note = _("BuildKit registry cache (image-manifest form)")
        elif kind is Kind.ARTIFACT:
            note = _("artifact type {value}").format(
                value=artifact_type or (config.media_type if config else "?")
            )
        kept = {"config": config, "layers": layers}
    else:
        what = media_type or _("no media type")
        note = _("unrecognised manifest ({what}); shown raw").format(what=what)
        kept = {"config": config, "layers": layers, "manifests": manifests}
    return Manifest(
        raw=raw,
        digest=digest,
        media_type=media_type,
        kind=kind,
        annotations=annotations,
        artifact_type=artifact_type,
        subject=subject,
        note=note,
        **kept,
    )


def child_kind(descriptor: Descriptor) -> Kind:
    """What an index entry is, from the entry alone (before fetching it)."""
    if descriptor.is_attestation:
        return Kind.ATTESTATION
    if descriptor.media_type in (OCI_INDEX, DOCKER_LIST):
        return Kind.INDEX
    if descriptor.media_type in (OCI_MANIFEST, DOCKER_MANIFEST):
        return Kind.ARTIFACT if descriptor.artifact_type else Kind.IMAGE
    return Kind.UNKNOWN
