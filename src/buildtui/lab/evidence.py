"""The facts several items and the report rest on, found in the observations: the
two-platform image, the registry cache exports and images, the local cache hits."""

from __future__ import annotations

from buildtui.build.history import BuildEntry
from buildtui.lab.build_command import flag_values, registry_caches
from buildtui.lab.checklist import LAB_PLATFORMS, Observations
from buildtui.lab.records import CacheSizeRecord
from buildtui.registry.models import Kind
from buildtui.registry.scan import ImageReport


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
    """The cache images in the lab registry."""
    if obs.scan is None:
        return []
    return [
        e.report for e in obs.scan.entries() if e.report is not None and e.report.kind is Kind.CACHE
    ]


def cache_breakdown(report: ImageReport) -> list[tuple[str, int]]:
    """(digest, size) of each blob of a cache image, largest first."""
    return sorted(((b.digest, b.size) for b in report.manifest.blobs), key=lambda pair: -pair[1])


def cache_size_record(
    obs: Observations, image: ImageReport | None, at: float
) -> CacheSizeRecord | None:
    """The comparison the registry shows now, to keep (None: nothing to compare)."""
    caches = cache_images(obs)
    if not caches or image is None:
        return None
    cache = caches[-1]
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
    )
