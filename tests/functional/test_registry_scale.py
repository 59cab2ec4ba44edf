"""The Registry pane on a large registry: the catalog shown page by page with a count, the
tags counted as they are read, a large index's entries read when opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from textual.widgets import DataTable, OptionList, Static

from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.registry.pane import RegistryPane
from buildtui.registry.auth import NoCredentials
from buildtui.registry.browser import EAGER_ENTRIES
from buildtui.registry.models import OCI_INDEX
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.gate import Gate
from tests.fakes.registry import FakeRegistry, fake_service
from tests.fakes.registry_app import registry_app, registry_pane
from tests.fakes.services import settle, until

SIZE = (150, 40)


class Held(httpx.AsyncBaseTransport):
    """The fake registry; while `holding`, requests `held` picks (or whose path holds it)
    wait for `release`."""

    def __init__(
        self,
        registry: FakeRegistry,
        held: str | Callable[[httpx.Request], bool],
        holding: bool = True,
    ) -> None:
        self.registry = registry
        self.held = held if callable(held) else lambda request: held in request.url.path
        self.holding = holding
        self.release = Gate()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.holding and self.held(request):
            await self.release.wait()
        return self.registry.handle(request)


def held_service(registry: FakeRegistry, held: Held) -> RegistryService:
    return RegistryService(
        Settings(registry_url=f"http://{registry.host}"), transport=held, store=NoCredentials()
    )


async def shown_pane(pilot: Any) -> RegistryPane:
    await until(pilot, lambda: bool(pilot.app.query("#registry-detail ManifestTree")), "shown")
    return registry_pane(pilot.app)


def title(app: Any) -> str:
    return str(app.query_one("#registry-title", Static).render())


async def test_the_catalog_shows_page_by_page_with_a_count() -> None:
    registry = FakeRegistry(catalog_max=100)  # pages of 100, as a registry may cut them
    for number in range(250):
        registry.push_image(f"class/s{number:03d}", "v1", "linux/amd64", (f"{number}".encode(),))
    held = Held(registry, lambda request: request.url.params.get("last") == "class/s199")
    app = registry_app(held_service(registry, held))
    async with app.run_test(size=SIZE) as pilot:
        pane = await shown_pane(pilot)
        await until(pilot, lambda: len(pane.repositories) == 200, "two pages shown")
        assert "reading the catalog: 200 repositories so far…" in title(app)
        options = app.query_one("#registry-repos", OptionList)
        assert options.option_count == 200
        # The first repository is open already: its tags are read while the catalog comes.
        await until(pilot, lambda: "v1" in pane.reports, "the first repository's tag read")
        assert pane.repository == "class/s000"
        held.release.set()
        await settle(pilot)
        assert options.option_count == 250
        assert title(app).endswith("· 250 repositories")
        assert pane.repository == "class/s000"


async def test_the_tags_are_counted_while_they_are_read() -> None:
    registry = FakeRegistry()
    for number in range(12):
        registry.push_image("lab", f"v{number:02d}", "linux/amd64", (f"{number}".encode(),))
    held = Held(registry, "/manifests/v11")
    app = registry_app(held_service(registry, held))
    async with app.run_test(size=SIZE) as pilot:
        pane = await shown_pane(pilot)
        table = app.query_one("#registry-tags", DataTable)
        await until(pilot, lambda: len(pane.reports) == 11, "eleven tags read")
        assert table.border_subtitle == "11 of 12 read"
        assert title(app).endswith("· 1 repository · lab: 11 of 12 read")
        held.release.set()
        await settle(pilot)
        assert table.border_subtitle is None
        assert title(app).endswith("· 1 repository")


def push_large_index(registry: FakeRegistry, repository: str, tag: str, entries: int) -> None:
    children = []
    for number in range(entries):
        child = registry.push_image(repository, "", "linux/amd64", (f"entry {number}".encode(),))
        children.append({**child, "platform": {"architecture": "amd64", "os": "linux"}})
    document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}
    registry.put_manifest(repository, document, OCI_INDEX, tag)


def entry_reads(registry: FakeRegistry) -> int:
    return sum(1 for r in registry.requests if "/manifests/sha256:" in r.url.path)


async def test_a_large_index_shows_at_once_and_reads_an_entry_when_it_is_opened() -> None:
    registry = FakeRegistry()
    push_large_index(registry, "big", "many", 200)
    service = fake_service(registry)
    app = registry_app(service)
    async with app.run_test(size=SIZE) as pilot:
        pane = await shown_pane(pilot)
        await settle(pilot)
        app.query_one("#registry-tags", DataTable).focus()
        await settle(pilot)
        assert entry_reads(registry) == EAGER_ENTRIES  # not 200
        report = pane.reports["many"]
        assert report.unread == 200 - EAGER_ENTRIES
        tree = app.query_one(ManifestTree)
        entries = tree.root.children
        assert len(entries) == 200
        assert "not read yet" in str(entries[150].label)
        assert "not read yet" not in str(entries[0].label)
        row = app.query_one("#registry-tags", DataTable).get_row("many")
        assert str(row[2]) == "linux/amd64 x32" and str(row[3]).startswith("≥ ")

        entries[150].expand()
        await until(pilot, lambda: "not read yet" not in str(entries[150].label), "read")
        assert entry_reads(registry) == EAGER_ENTRIES + 1
        assert entries[150].data is not None and entries[150].data.manifest is not None
        assert str(entries[150].children[0].label).startswith("config ")
        # Shown again (a refresh of the rows, the theme): what was read stays read.
        pane.show_tag("many")
        await settle(pilot)
        assert "not read yet" not in str(tree.root.children[150].label)
        assert entry_reads(registry) == EAGER_ENTRIES + 1


async def test_entries_opened_are_not_read_once_another_tag_is_shown() -> None:
    registry = FakeRegistry()
    push_large_index(registry, "big", "many", 120)
    registry.push_image("big", "small", "linux/amd64", (b"small",))
    held = Held(registry, "/manifests/sha256:", holding=False)
    app = registry_app(held_service(registry, held))
    async with app.run_test(size=SIZE) as pilot:
        pane = await shown_pane(pilot)
        await settle(pilot)
        table = app.query_one("#registry-tags", DataTable)
        table.focus()
        table.move_cursor(row=[r.key.value for r in table.ordered_rows].index("many"))
        await settle(pilot)
        before = entry_reads(registry)
        # Every entry not read yet opened at once (as `*` would), the reads held back.
        held.holding = True
        tree = app.query_one(ManifestTree)
        for node in tree.root.children[EAGER_ENTRIES:]:
            node.expand()
        await until(pilot, lambda: pane.entries_waiting == 120 - EAGER_ENTRIES, "all wanted")
        assert tree.border_subtitle == f"reading {120 - EAGER_ENTRIES:,} entries…"
        table.move_cursor(row=[r.key.value for r in table.ordered_rows].index("small"))
        await pilot.pause()
        held.release.set()
        await settle(pilot)
        assert pane.entries_waiting == 0
        assert tree.border_subtitle is None
        # At most the batch already in flight was read, not the 88 entries opened.
        assert entry_reads(registry) - before <= 8


async def test_the_status_bar_counts_the_reads_running_and_says_nothing_once_done() -> None:
    registry = FakeRegistry()
    for number in range(3):
        registry.push_image("lab", f"v{number}", "linux/amd64", (f"{number}".encode(),))
    held = Held(registry, "/manifests/v2")
    app = registry_app(held_service(registry, held))
    async with app.run_test(size=SIZE) as pilot:
        await shown_pane(pilot)
        bar = app.query_one("#status")
        await until(pilot, lambda: "reading 1…" in str(bar.render()), "the read counted")
        held.release.set()
        await settle(pilot)
        assert "reading" not in str(bar.render())
