"""The facts several items and the report rest on, found in the observations: the
two-platform image, the registry cache exports and images, the local cache hits.

Each is traced to this student's own records: an index is the lab's only when a
recorded build pushed it; a cache image only when it is the one a recorded build
exported (the cache manifest digest its log wrote), never whatever else the registry
holds (another student's cache, an export this history did not record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buildtui.builds.history import BuildEntry
from buildtui.builds.options import LAB_PLATFORMS
from buildtui.lab.build_command import flag_values, registry_caches
from buildtui.lab.checklist import Observations
from buildtui.lab_records import CacheSizeRecord
from buildtui.registry.models import Kind
from buildtui.registry.scan import ImageReport

_CACHE_MANIFEST = re.compile(r"^#\d+ writing cache manifest (sha256:[0-9a-f]{64})", re.M)


def two_platform_image(obs: Observations) -> ImageReport | None:
    """The two-platform index a recorded build pushed (by digest, else by its tag)."""
    if obs.scan is None:
        return None
    pushed = {d for b in obs.builds for _ref, d in b.summary.pushed}
    tagged = {
        tag
        for b in obs.builds
        if b.summary.succeeded and b.summary.push == "ok"
        for tag in flag_values(b.argv, "-t", "--tag")
    }
    found = []
    for entry in obs.scan.entries():
        report = entry.report
        if report is None or report.kind is not Kind.INDEX:
            continue
        names = {str(p) for p in report.platforms}
        if all(p in names for p in LAB_PLATFORMS) and (
            report.digest in pushed or report.ref in tagged
        ):
            found.append(report)
    found.sort(key=lambda r: (r.digest not in pushed, r.ref))
    return found[0] if found else None


def cache_exports(obs: Observations) -> list[tuple[BuildEntry, str]]:
    """Each successful build that exported a mode=max registry cache to the lab registry,
    with the cache's ref, oldest first."""
    found = []
    for build in obs.builds:
        for cache in registry_caches(build.argv, "--cache-to", obs.registry_host):
            if (
                cache.get("mode") == "max"
                and build.summary.succeeded
                and build.summary.cache_export == "ok"
            ):
                found.append((build, cache["ref"]))
    return found


def cache_manifest_digest(log: str) -> str | None:
    """The digest of the cache manifest a build's log says it wrote (the last one)."""
    found = _CACHE_MANIFEST.findall(log)
    return found[-1] if found else None


def tagged(ref: str) -> str:
    """`host/name` as `host/name:latest` (a ref with a tag or digest stays as it is)."""
    name = ref.rsplit("/", 1)[-1]
    return ref if ":" in name or "@" in ref else f"{ref}:latest"


@dataclass(frozen=True)
class OwnCache:
    """The cache the student's last recorded export wrote, and what the registry serves."""

    build: BuildEntry
    ref: str
    """As `--cache-to` named it, e.g. `localhost:5000/cachedata1`."""
    exported: str | None
    """The cache manifest digest the build's log wrote (None: not in its log)."""
    cache: ImageReport | None
    """The cache image at `ref` when it is this build's (None: absent, or another's)."""
    served: str | None
    """The digest the registry serves at `ref` now (None: nothing, or not read)."""
    image: ImageReport | None
    """The two-platform index the same build pushed, as the registry serves it."""


def own_cache(obs: Observations) -> OwnCache | None:
    exports = cache_exports(obs)
    if not exports:
        return None
    build, ref = exports[-1]
    exported = obs.cache_digests.get(build.id)
    served_report = None
    image = None
    if obs.scan is not None:
        wanted = tagged(ref)
        for entry in obs.scan.entries():
            report = entry.report
            if report is not None and report.ref == wanted:
                served_report = report
        pushed = {d for _r, d in build.summary.pushed}
        image = next(
            (
                e.report
                for e in obs.scan.entries()
                if e.report is not None
                and e.report.kind is Kind.INDEX
                and e.report.digest in pushed
            ),
            None,
        )
    mine = (
        served_report
        if served_report is not None
        and served_report.kind is Kind.CACHE
        and (exported is None or served_report.digest == exported)
        else None
    )
    return OwnCache(
        build,
        ref,
        exported,
        mine,
        served_report.digest if served_report is not None else None,
        image,
    )


def imagetools_listing(report: ImageReport) -> list[str]:
    """Like `docker buildx imagetools inspect`: the index and each platform's manifest."""
    lines = [
        f"Name:      {report.ref}",
        f"MediaType: {report.manifest.media_type}",
        f"Digest:    {report.digest}",
    ]
    if report.children:
        lines += ["", "Manifests:"]
        for child in report.children:
            name = f"{report.registry}/{report.repository}@{child.descriptor.digest}"
            lines.append(f"  Name:      {name}")
            lines.append(f"  MediaType: {child.descriptor.media_type}")
            if child.platform is not None:
                lines.append(f"  Platform:  {child.platform}")
            if child.descriptor.is_attestation:
                lines.append("  Annotations: vnd.docker.reference.type: attestation-manifest")
            lines.append("")
    return lines


def lab_build_command(obs: Observations) -> str:
    """The lab's build: both platforms pushed, the registry cache exported and imported."""
    host = obs.registry_host
    return (
        f"docker buildx build -f Dockerfile_multi -t {host}/lab:cachetest "
        "--platform linux/amd64,linux/arm64 --push "
        f"--cache-to type=registry,ref={host}/cachedata1,mode=max "
        f"--cache-from type=registry,ref={host}/cachedata1 ."
    )


def local_cache_hits(build: BuildEntry) -> bool:
    """Steps CACHED while the cache import found nothing: the hits came from the builder's
    local cache, not from the registry cache."""
    summary = build.summary
    return summary.cached > 0 and summary.cache_import == "not-found"


def cache_images(obs: Observations) -> list[ImageReport]:
    """The cache images in the lab registry (whoever wrote them)."""
    if obs.scan is None:
        return []
    return [
        e.report for e in obs.scan.entries() if e.report is not None and e.report.kind is Kind.CACHE
    ]


def cache_breakdown(report: ImageReport) -> list[tuple[str, int]]:
    """(digest, size) of each blob of a cache image, largest first."""
    return sorted(((b.digest, b.size) for b in report.manifest.blobs), key=lambda pair: -pair[1])


def cache_size_record(obs: Observations, at: float) -> CacheSizeRecord | None:
    """The comparison the registry shows now, to keep: the cache the student's recorded
    build exported against the image that build pushed (None: not both to be seen)."""
    own = own_cache(obs)
    if own is None or own.cache is None or own.image is None:
        return None
    cache, image = own.cache, own.image
    return CacheSizeRecord(
        at=at,
        registry=obs.registry_host,
        cache_ref=cache.ref,
        cache_digest=cache.digest,
        cache_size=cache.unique_size,
        blobs=tuple(cache_breakdown(cache)),
        image_ref=image.ref,
        image_digest=image.digest,
        image_size=image.unique_size,
        build_id=own.build.id,
    )


def kept_cache_size(obs: Observations) -> CacheSizeRecord | None:
    """The last comparison kept for this registry that a build of this history made."""
    ids = {b.id for b in obs.builds}
    kept = [
        r
        for r in obs.records.cache_sizes
        if r.registry == obs.registry_host and r.build_id is not None and r.build_id in ids
    ]
    return kept[-1] if kept else None
