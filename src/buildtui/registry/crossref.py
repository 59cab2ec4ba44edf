"""What a BuildKit cache holds, against the images of the same registry.

Each layer of a cache image is either also a layer of an image (`layer 2 of
lab:cachetest (linux/amd64)`) or only in the cache (what `mode=max` keeps from
intermediate stages). Deleting the cache frees only the cache-only bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from buildtui.registry.contents import CacheConfig, counted
from buildtui.registry.models import BUILDKIT_CACHE_CONFIG, Descriptor, Kind, Manifest
from buildtui.registry.scan import ImageReport, RegistryScan, TagEntry


@dataclass(frozen=True)
class CacheLayerUse:
    """One distinct layer of a cache image and where else it is."""

    digest: str
    size: int
    count: int
    """How many times the cache lists it (once per chain it is in)."""
    also_in: tuple[str, ...]
    """`layer 2 of lab:cachetest (linux/amd64)`, for each image layer it also is."""
    chains: int = 0
    """How many of the cache config's layer chains hold it."""

    @property
    def cache_only(self) -> bool:
        return not self.also_in


@dataclass(frozen=True)
class CacheBreakdown:
    """A cache image's layers, which images share them, and its bytes split accordingly."""

    layers: tuple[CacheLayerUse, ...]
    config_size: int
    compared_with: int
    """How many image tags of the registry its layers were compared with."""

    @property
    def shared_bytes(self) -> int:
        return sum(layer.size for layer in self.layers if not layer.cache_only)

    @property
    def cache_only_bytes(self) -> int:
        """Layers no image has, plus the cache config: what deleting the cache frees."""
        return sum(layer.size for layer in self.layers if layer.cache_only) + self.config_size

    @property
    def total_bytes(self) -> int:
        return sum(layer.size for layer in self.layers) + self.config_size

    def of(self, digest: str) -> CacheLayerUse | None:
        return next((layer for layer in self.layers if layer.digest == digest), None)


def cache_layers(manifest: Manifest) -> tuple[tuple[Descriptor, ...], Descriptor | None]:
    """A cache image's layer descriptors (repeats included) and its cache config descriptor."""
    if manifest.is_index:
        entries = manifest.manifests
        config = next((d for d in entries if d.media_type == BUILDKIT_CACHE_CONFIG), None)
        return tuple(d for d in entries if d.media_type != BUILDKIT_CACHE_CONFIG), config
    return manifest.layers, manifest.config


class LayerUses:
    """Where else each of some layers is: `layer N of repo:tag (platform)` for every image
    layer of the tags added whose digest is `wanted` (all, when None). Tags are added one
    at a time, as a scan reads them: nothing else of them is kept."""

    def __init__(self, wanted: set[str] | None = None) -> None:
        self.wanted = wanted
        self.uses: dict[str, list[str]] = {}
        self.images = 0
        """Image and index tags added (what the cache was compared with)."""

    def _add(self, digest: str, where: str) -> None:
        if self.wanted is not None and digest not in self.wanted:
            return
        found = self.uses.setdefault(digest, [])
        if where not in found:
            found.append(where)

    def add(self, entry: TagEntry) -> None:
        report = entry.report
        if report is None:
            return
        if report.kind in (Kind.IMAGE, Kind.INDEX):
            self.images += 1
        name = f"{entry.repository}:{entry.tag}"
        if report.kind is Kind.IMAGE:
            platform = report.config.platform if report.config else None
            suffix = f" ({platform})" if platform else ""
            for number, layer in enumerate(report.manifest.layers, 1):
                self._add(layer.digest, f"layer {number} of {name}{suffix}")
        for child in report.images:
            assert child.manifest is not None  # `images` are the readable ones
            suffix = f" ({child.platform})" if child.platform else ""
            for number, layer in enumerate(child.manifest.layers, 1):
                self._add(layer.digest, f"layer {number} of {name}{suffix}")


def image_layers(scan: RegistryScan) -> dict[str, list[str]]:
    """Layer digest -> `layer N of repo:tag (platform)` for every image layer of the scan."""
    found = LayerUses()
    for entry in scan.entries():
        found.add(entry)
    return found.uses


def cache_breakdown(report: ImageReport, scan: RegistryScan | LayerUses | None) -> CacheBreakdown:
    """Each distinct layer of the cache `report`, cross-referenced with the images of a
    scan (or those a `LayerUses` was given)."""
    layers, config = cache_layers(report.manifest)
    if isinstance(scan, RegistryScan):
        found = LayerUses({layer.digest for layer in layers})
        for entry in scan.entries():
            found.add(entry)
        scan = found
    uses = scan.uses if scan is not None else {}
    chains = report.cache.chains() if isinstance(report.cache, CacheConfig) else ()
    sizes = {layer.digest: layer.size for layer in layers}
    found_layers = tuple(
        CacheLayerUse(
            digest,
            sizes[digest],
            count,
            tuple(uses.get(digest, ())),
            sum(1 for chain in chains if digest in chain),
        )
        for digest, count in counted(layer.digest for layer in layers).items()
    )
    images = scan.images if scan is not None else 0
    return CacheBreakdown(found_layers, config.size if config else 0, images)
