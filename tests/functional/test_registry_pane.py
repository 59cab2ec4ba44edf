"""The Registry pane driven with Pilot against the in-memory registry."""

from __future__ import annotations

import httpx
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from buildtui.app.app import BuildTUI
from buildtui.app.registry import pane as registry_pane_module
from buildtui.app.registry import tag_table
from buildtui.app.registry.login import RegistryLoginScreen
from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.registry.open_registry import OpenRegistryScreen
from buildtui.app.registry.pane import RegistryPane
from buildtui.app.registry.raw_manifest import RawManifestScreen
from buildtui.commands.registry import render_scan
from buildtui.registry import rows
from buildtui.registry.auth import NoCredentials
from buildtui.registry.models import OCI_MANIFEST
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.gate import Gate
from tests.fakes.hostile_registry import ENDLESS, HostileRegistry, Reply, json_reply
from tests.fakes.registry import FakeRegistry, damaged_lab_registry, fake_service, lab_registry
from tests.fakes.registry_app import registry_app, registry_pane
from tests.fakes.services import settle

SIZE = (150, 40)


def repo_names(app: BuildTUI) -> list[str]:
    options = app.query_one("#registry-repos", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


def tag_rows(app: BuildTUI) -> list[str]:
    table = app.query_one("#registry-tags", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


async def choose(app: BuildTUI, pilot: Pilot[None], repository: str, tag: str) -> None:
    options = app.query_one("#registry-repos", OptionList)
    options.highlighted = repo_names(app).index(repository)
    await settle(pilot)
    table = app.query_one("#registry-tags", DataTable)
    table.focus()
    table.move_cursor(row=tag_rows(app).index(tag))
    await settle(pilot)


def message_text(app: BuildTUI, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def test_navigate_repository_tag_index_platforms() -> None:
    registry = lab_registry()
    posted: list[Message] = []
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        assert repo_names(app) == ["busybox", "cachedata1", "cachedata2", "lab", "sbom"]
        assert registry_pane(app).repository == "busybox"
        await choose(app, pilot, "lab", "cachetest")
        assert tag_rows(app) == ["cachetest", "single", "v2"]
        tree = app.query_one(ManifestTree)
        root = tree.root
        assert str(root.label).startswith("lab:cachetest  index")
        assert [str(c.label).split("  ")[0] for c in root.children] == [
            "linux/amd64",
            "linux/arm64",
            "attestation for linux/amd64",
            "attestation for linux/arm64",
        ]
        amd64 = root.children[0]
        assert amd64.is_expanded
        assert [str(n.label).split(" ")[0] for n in amd64.children] == ["config", "layer", "layer"]
        assert message_text(app, "#registry-badge") == "linux/amd64 + linux/arm64"
        summary = message_text(app, "#registry-summary")
        assert "1 blob is shared" in summary or "2 blobs are shared" in summary
        assert "docker buildx imagetools inspect --insecure" not in summary
        assert "docker manifest inspect --insecure registry.test:5000/lab:cachetest" in summary
        table = app.query_one("#registry-tags", DataTable)
        row = [str(cell) for cell in table.get_row("v2")]
        assert row[1] == "index" and row[2] == "linux/amd64 + linux/arm/v7"
    inspected = [
        result for m in posted if isinstance(m, RegistryPane.TagsInspected) for result in m.results
    ]
    assert {(r.repository, r.tag) for r in inspected} >= {("lab", "cachetest"), ("lab", "v2")}


async def test_filter_as_you_type() -> None:
    app = registry_app(fake_service(lab_registry()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(app, pilot, "lab", "single")
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("s", "i")
        await settle(pilot)
        # lab stays (its tag "single" matches); busybox, sbom went away at "si".
        assert repo_names(app) == ["lab"]
        assert tag_rows(app) == ["single"]
        await pilot.press("backspace", "backspace", "c", "a", "c", "h")
        await settle(pilot)
        assert repo_names(app) == ["cachedata1", "cachedata2", "lab"]
        assert registry_pane(app).repository == "lab"
        assert tag_rows(app) == ["cachetest"]
        await pilot.press("z", "z")
        await settle(pilot)
        assert repo_names(app) == []
        assert tag_rows(app) == []
        assert "No tags match" in str(app.query_one(ManifestTree).root.label)
        app.query_one(Input).value = ""
        await settle(pilot)
        assert len(repo_names(app)) == 5
        assert tag_rows(app) == ["cachetest", "single", "v2"]


async def test_raw_view_and_copy() -> None:
    registry = lab_registry()
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(app, pilot, "lab", "cachetest")
        await pilot.press("c")
        assert app.clipboard == registry.tags["lab"]["cachetest"]
        await pilot.press("y")
        assert app.clipboard == f"registry.test:5000/lab@{registry.tags['lab']['cachetest']}"
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RawManifestScreen)
        assert '"mediaType": "application/vnd.oci.image.index.v1+json"' in app.screen.text
        assert registry.tags["lab"]["cachetest"] in app.screen.title_text
        await pilot.press("escape")
        # In the tree, copy and raw act on the node under the cursor: linux/arm64.
        tree = app.query_one(ManifestTree)
        tree.focus()
        tree.move_cursor(tree.root.children[1])
        await pilot.pause()
        arm64 = tree.root.children[1].data
        assert arm64 is not None and arm64.manifest is not None
        await pilot.press("c")
        assert app.clipboard == arm64.digest
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RawManifestScreen)
        assert '"architecture": "arm64"' not in app.screen.text  # the manifest, not the config
        assert '"layers"' in app.screen.text


async def test_malformed_manifest_row_and_raw_bytes() -> None:
    registry = lab_registry()
    registry.put_manifest("lab", b"{broken", OCI_MANIFEST, "broken")
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(app, pilot, "lab", "broken")
        table = app.query_one("#registry-tags", DataTable)
        assert str(table.get_row("broken")[1]) == "error"
        assert "not valid JSON" in str(app.query_one(ManifestTree).root.label)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RawManifestScreen)
        assert app.screen.text == "{broken"


async def test_unreachable_registry_then_refresh() -> None:
    registry = lab_registry()
    registry.down = True
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = message_text(app, "#registry-message")
        assert "cannot connect to registry.test:5000" in message
        assert "Press r to retry" in message
        assert repo_names(app) == []
        registry.down = False
        await pilot.press("r")
        await settle(pilot)
        assert "shown" not in app.query_one("#registry-message").classes
        assert len(repo_names(app)) == 5


async def test_vanishing_mid_browse_keeps_the_app_working() -> None:
    registry = lab_registry()
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        registry.down = True
        app.query_one("#registry-repos", OptionList).highlighted = 3
        await settle(pilot)
        assert "Cannot read the tags of lab" in message_text(app, "#registry-message")
        registry.down = False
        await pilot.press("r")
        await settle(pilot)
        assert tag_rows(app) == ["cachetest", "single", "v2"]


async def test_login_after_401() -> None:
    registry = lab_registry()
    registry.basic_auth = ("bob", "secret")
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = message_text(app, "#registry-message")
        assert "anonymous" in message and "Press l to log in" in message
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, RegistryLoginScreen)
        await pilot.press(*"bob", "enter", *"secret", "enter")
        await settle(pilot)
        assert len(repo_names(app)) == 5
        sent = registry.requests[-1].headers.get("authorization", "")
        assert sent.startswith("Basic ")


async def test_open_another_registry() -> None:
    registry = lab_registry()
    other = FakeRegistry(host="other.test:5000")
    other.push_image("solo", "v1")

    import httpx

    def route(request: httpx.Request) -> httpx.Response:
        target = other if request.url.host == "other.test" else registry
        return target.handle(request)

    from buildtui.registry.auth import NoCredentials
    from buildtui.registry.service import RegistryService
    from buildtui.settings import Settings

    service = RegistryService(
        Settings(registry_url="http://registry.test:5000"),
        transport=httpx.MockTransport(route),
        store=NoCredentials(),
    )
    app = registry_app(service)
    posted: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OpenRegistryScreen)
        field = app.screen.query_one(Input)
        field.value = "http://other.test:5000"
        await pilot.press("enter")
        await settle(pilot)
        assert registry_pane(app).service.registry == "other.test:5000"
        assert repo_names(app) == ["solo"]
        assert "Registry other.test:5000" in message_text(app, "#registry-title")
        # A bad address is refused with a message; the pane keeps the current registry.
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one(Input).value = "not a host/x"
        await pilot.press("enter")
        await settle(pilot)
        assert registry_pane(app).service.registry == "other.test:5000"
        notes = [m.notification.message for m in posted if isinstance(m, Notify)]
        assert any("not a registry address" in note for note in notes)


async def test_a_repository_with_no_tags_says_why_it_is_still_listed() -> None:
    registry = lab_registry()
    registry.tags["old"] = {}  # its last tag was deleted: registry:2 keeps listing it
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        options = app.query_one("#registry-repos", OptionList)
        options.highlighted = repo_names(app).index("old")
        await settle(pilot)
        assert tag_rows(app) == []
        assert str(app.query_one(ManifestTree).root.label) == "No tags"
        summary = message_text(app, "#registry-summary")
        assert "registry:2 has no API to delete a repository" in summary
        # The command as it runs against this registry, pasted as it stands.
        assert (
            "`buildtui --registry http://registry.test:5000 gc --remove-empty-repo old`" in summary
        )


async def test_an_index_with_a_missing_entry_shows_as_damaged() -> None:
    hostile = HostileRegistry()
    with hostile.running():
        amd64 = hostile.image("lab", platform="linux/amd64")
        gone = {**amd64, "digest": "sha256:" + "e" * 64}
        hostile.index("lab", "multi", [amd64, gone])
        hostile.index("lab", "whole", [amd64])
        hostile.catalog("lab", tags={"lab": ["multi", "whole"]})
        service = RegistryService(Settings(registry_url=hostile.url), store=NoCredentials())
        app = registry_app(service)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await choose(app, pilot, "lab", "multi")
            table = app.query_one("#registry-tags", DataTable)
            assert str(table.get_row("multi")[1]) == "index damaged"
            assert str(table.get_row("whole")[1]) == "index"
            assert "! " in message_text(app, "#registry-summary")


async def test_an_endless_catalog_is_cut_and_the_pane_says_so() -> None:
    hostile = HostileRegistry()

    def page(target: str) -> Reply:
        number = len(hostile.requests)
        link = {} if number > ENDLESS else {"Link": f'</v2/_catalog?p={number}>; rel="next"'}
        return json_reply({"repositories": ["lab"]}, **link)

    with hostile.running():
        hostile.route("/v2/_catalog", page)
        hostile.image("lab", "v1")
        hostile.route("/v2/lab/tags/list", json_reply({"name": "lab", "tags": ["v1"]}))
        service = RegistryService(Settings(registry_url=hostile.url), store=NoCredentials())
        app = registry_app(service)
        posted: list[Message] = []
        async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
            await settle(pilot)
            assert repo_names(app) == ["lab"]
            assert message_text(app, "#registry-title").endswith("(list cut short)")
            repos = app.query_one("#registry-repos", OptionList)
            assert repos.border_subtitle == "cut short"
            notes = [m.notification.message for m in posted if isinstance(m, Notify)]
            assert any("after 200 pages" in note for note in notes)


async def test_tree_is_driven_from_the_keyboard() -> None:
    """An attestation node opens and closes with keys; v on a layer shows its manifest."""
    app = registry_app(fake_service(lab_registry()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(app, pilot, "lab", "cachetest")
        tree = app.query_one(ManifestTree)
        tree.focus()
        attestation = tree.root.children[2]
        tree.move_cursor(attestation)
        await pilot.pause()
        assert not attestation.is_expanded
        await pilot.press("right")
        assert attestation.is_expanded
        await pilot.press("left")
        assert not attestation.is_expanded
        await pilot.press("space")
        assert attestation.is_expanded
        shown = {b.key: b.description for b in tree.BINDINGS if b.show}
        assert {"space", "asterisk"} <= set(shown)  # the arrows work without a footer line
        amd64 = tree.root.children[0]
        layer = next(n for n in amd64.children if str(n.label).startswith("layer"))
        tree.move_cursor(layer)
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RawManifestScreen)
        assert amd64.data is not None and amd64.data.digest is not None
        assert app.screen.title_text.endswith(amd64.data.digest)


async def test_cache_tag_shows_what_it_shares_with_images() -> None:
    app = registry_app(fake_service(lab_registry()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(app, pilot, "cachedata1", "latest")
        await settle(pilot)
        summary = message_text(app, "#registry-summary")
        assert "only in the cache" in summary
        assert "deleting it frees only the" in summary
        tree = app.query_one(ManifestTree)
        labels = [str(n.label) for n in tree.root.children]
        assert labels[1].startswith("cache config ")
        assert all("only in the cache" in label for label in labels[2:])


class _Held(httpx.AsyncBaseTransport):
    """The fake registry, with the manifest of one tag held back until released."""

    def __init__(self, registry: FakeRegistry, held: str) -> None:
        self.inner = registry.transport
        self.held = held
        self.release = Gate()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.held):
            await self.release.wait()
        return await self.inner.handle_async_request(request)


async def test_rows_are_filled_as_each_tag_arrives() -> None:
    """A slow tag keeps its row at `…` while the others are already shown in full."""
    registry = lab_registry()
    held = _Held(registry, "/v2/lab/manifests/v2")
    service = RegistryService(
        Settings(registry_url=f"http://{registry.host}"),
        transport=held,
        store=NoCredentials(),
    )
    app = registry_app(service)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.pause()
        options = app.query_one("#registry-repos", OptionList)
        options.highlighted = repo_names(app).index("lab")
        for _ in range(20):
            await pilot.pause(0.02)
        table = app.query_one("#registry-tags", DataTable)
        assert tag_rows(app) == ["cachetest", "single", "v2"]
        assert str(table.get_row("cachetest")[1]) == "index"
        assert str(table.get_row("single")[1]) == "image"
        assert str(table.get_row("v2")[1]) == "…"
        held.release.set()
        await settle(pilot)
        assert str(table.get_row("v2")[1]) == "index"


async def test_the_pane_shows_the_rows_registry_ls_prints() -> None:
    """A damaged index, a tag that cannot be read, a cache image: the pane's cells are
    `row_cells` of the very rows `registry ls` prints (both read tags with `tag_row`)."""
    # The modules' own names (imported, not re-exported: vars() reads them as they are).
    assert vars(registry_pane_module)["tag_row"] is rows.tag_row
    assert vars(tag_table)["row_cells"] is rows.row_cells
    registry = damaged_lab_registry()
    service = fake_service(registry)
    scan = await service.scan(cached=False)
    await service.aclose()
    printed = render_scan(scan)
    cli_rows = {
        (e.repository, e.tag): rows.tag_row(e.tag, e.report, e.error) for e in scan.entries()
    }
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for repository, tag in (("lab", "cachetest"), ("lab", "broken"), ("cachedata1", "latest")):
            await choose(app, pilot, repository, tag)
            row = cli_rows[(repository, tag)]
            assert "\n".join(rows.scan_lines(repository, row)) in printed
            shown = app.query_one("#registry-tags", DataTable).get_row(tag)
            assert [str(cell) for cell in shown] == [c.text for c in rows.row_cells(row)]
            if tag == "cachetest":  # "index damaged" in the theme's error colour
                kind = shown[1]
                assert isinstance(kind, Text) and kind.style
                assert Style.parse(str(kind.style)).color == Color.parse(
                    app.theme_variables["text-error"]
                )
        assert [str(c) for c in shown][1] == "cache"


async def test_rows_and_tree_take_the_new_theme_s_colours() -> None:
    app = registry_app(fake_service(damaged_lab_registry()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await choose(app, pilot, "lab", "single")
        for theme in ("textual-light", "gruvbox"):
            app.theme = theme
            await pilot.pause()
            error = Color.parse(app.theme_variables["text-error"])
            success = Color.parse(app.theme_variables["text-success"])
            kind = app.query_one("#registry-tags", DataTable).get_row("cachetest")[1]
            assert isinstance(kind, Text) and Style.parse(str(kind.style)).color == error
            root = app.query_one(ManifestTree).root
            assert isinstance(root.label, Text)
            assert Style.parse(str(root.label.style)).color == success  # "image", bold success
