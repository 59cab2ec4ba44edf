"""The pane's tag reading in batches (no Textual)."""

from __future__ import annotations

import asyncio
import json

from buildtui.registry.browser import TagResult, inspect_tags
from buildtui.registry.classify import parse_manifest
from buildtui.registry.errors import NotFound
from buildtui.registry.scan import ImageReport
from tests.fakes.registry import fake_service, lab_registry

IMAGE_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "sha256:" + "0" * 64,
        "size": 2,
    },
    "layers": [],
}


async def test_tags_are_read_in_order_and_reach_the_caller_in_batches() -> None:
    service = fake_service(lab_registry())
    batches: list[list[TagResult]] = []
    try:
        await inspect_tags(
            service, "lab", ["cachetest", "gone", "single", "v2"], batches.append, at_once=1
        )
    finally:
        await service.aclose()
    results = [r for batch in batches for r in batch]
    assert [r.tag for r in results] == ["cachetest", "gone", "single", "v2"]
    gone = results[1]
    assert gone.report is None and isinstance(gone.error, NotFound)
    assert all(r.report is not None for r in results if r.tag != "gone")


async def test_every_read_in_one_period_is_one_batch() -> None:
    manifest = parse_manifest(json.dumps(IMAGE_MANIFEST).encode(), "sha256:" + "1" * 64)

    class Slow:
        def __init__(self) -> None:
            self.calls: list[str] = []

        async def inspect(
            self, repository: str, reference: str, *, entries: int | None = None
        ) -> ImageReport:
            self.calls.append(reference)
            await asyncio.sleep(0)
            return ImageReport("lab.test", repository, reference, manifest)

    slow = Slow()
    batches: list[list[TagResult]] = []
    tags = [f"v{n}" for n in range(30)]
    await inspect_tags(slow, "lab", tags, batches.append, at_once=4, every=60)
    assert len(batches) == 1 and [r.tag for r in batches[0]] == tags
    assert slow.calls == tags
