"""The Clean-up pane with Pilot: the real service over the in-memory registry and container."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Static

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.cleanup.items import CleanupItems
from buildtui.app.cleanup.messages import Failed
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.messages import LabChanged
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.cleanup.errors import ContainerNotFound
from buildtui.cleanup.steps import StepAction
from buildtui.registry.present import format_size
from tests.fakes.cleanup import (
    FakeContainer,
    WritableFakeRegistry,
    fake_cleanup_service,
    lab_fake_registry,
)
from tests.fakes.cleanup_app import cleanup_app, cleanup_pane
from tests.fakes.services import fake_services, settle

SIZE = (160, 45)


def keys(app: BuildTUI) -> list[str]:
    return [str(row.key.value) for row in app.query_one(CleanupItems).ordered_rows]


def text_of(app: BuildTUI, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def point_at(app: BuildTUI, pilot: Pilot[None], key: str) -> None:
    table = app.query_one(CleanupItems)
    table.focus()
    table.move_cursor(row=keys(app).index(key))
    await pilot.pause()


async def confirm(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.click("#confirm-ok")
    await settle(pilot)


def app_for(registry: WritableFakeRegistry, container: FakeContainer | None = None) -> BuildTUI:
    return cleanup_app(fake_cleanup_service(registry, container))


async def test_the_inventory_lists_tags_kinds_and_what_they_share() -> None:
    app = app_for(lab_fake_registry())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert keys(app) == [
            "busybox:amd64",
            "busybox:arm64",
            "busybox:latest",
            "cachedata1:latest",
            "lab:cachetest",
            "lab:stable",
            "lab:v2",
        ]
        table = app.query_one(CleanupItems)
        cache = table.get_row("cachedata1:latest")
        assert str(cache[2]) == "cache image"
        assert str(cache[4]) != "-"  # it shares layers with lab:cachetest
        assert str(table.get_row("lab:cachetest")[2]) == "index amd64+arm64"
        assert str(table.get_row("lab:stable")[5]) == "same manifest as v2"
        assert "Select rows with space" in text_of(app, "#plan-text")


async def test_delete_the_cache_then_collect_garbage_and_verify() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    posted: list[Message] = []
    app = app_for(registry, container)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "cachedata1:latest")
        await pilot.press("space")
        await pilot.pause()
        plan = cleanup_pane(app).plan
        assert plan is not None and plan.ok
        assert str(app.query_one(CleanupItems).get_row("cachedata1:latest")[0]) == "●"
        shown = text_of(app, "#plan-text")
        assert "Garbage collection frees" in shown
        assert "curl -X DELETE http://localhost:5000/v2/cachedata1/manifests/sha256:" in shown
        assert "used by lab:cachetest (linux/amd64)" in shown

        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert "cachedata1:latest" in screen.warning
        assert app.focused is screen.query_one("#confirm-cancel", Button)
        await confirm(pilot)

        assert "latest" not in registry.tags["cachedata1"]
        assert "cachedata1:latest" not in keys(app)
        status = text_of(app, "#cleanup-status")
        assert "done: 1 step on " in status
        assert "OK: all 6 remaining tags on " in status

        await pilot.press("g")
        await settle(pilot)
        gc_screen = app.screen
        assert isinstance(gc_screen, ConfirmScreen)
        body = str(gc_screen.query_one("#confirm-body", Static).render())
        assert "docker stop -t 10 registry7" in body
        # The dry run finds what the plan said GC frees: stage layer, cache config, manifest.
        assert f"{len(plan.freed_blobs)} blobs and 0 manifests" in gc_screen.warning
        assert len(plan.freed_blobs) == 3
        await confirm(pilot)

        assert container.collected == 1
        # The deletion, then the collection (the registry was stopped and started): each
        # tells the app, which probes the status again and refreshes the Registry pane.
        changes = list({id(m): m for m in posted if isinstance(m, LabChanged)}.values())
        assert len(changes) == 2
        assert all(m.registry_changed and m.origin is app.query_one(CleanupPane) for m in changes)
        status = text_of(app, "#cleanup-status")
        assert "Garbage collection in registry7: " in status
        assert "3 blobs and 0 manifests eligible" in status
        assert "OK: all 6 remaining tags on " in status
    names = [type(m).__name__ for m in posted]
    assert (
        names.index("Executed") < names.index("GcDone") < len(names) - names[::-1].index("Verified")
    )


async def test_cancel_deletes_nothing() -> None:
    registry = lab_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "lab:cachetest")
        await pilot.press("space", "x")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
    assert "cachetest" in registry.tags["lab"]
    assert not [r for r in registry.requests if r.method in ("PUT", "DELETE")]


async def test_a_shared_tag_is_removed_alone_and_the_twin_stays() -> None:
    registry = lab_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "lab:stable")
        await pilot.press("space")
        plan = cleanup_pane(app).plan
        assert plan is not None
        assert [s.action for s in plan.steps] == [StepAction.UNTAG]
        assert "the tag lab:v2 still needs it" in text_of(app, "#plan-text")
        await pilot.press("x")
        await confirm(pilot)
        assert keys(app).count("lab:v2") == 1 and "lab:stable" not in keys(app)
    assert "v2" in registry.tags["lab"] and "stable" not in registry.tags["lab"]


async def test_the_whole_image_by_digest_needs_permission_for_its_other_tags() -> None:
    registry = lab_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "lab:v2")
        await pilot.press("i")
        assert str(app.query_one(CleanupItems).get_row("lab:v2")[0]) == "@"
        shown = text_of(app, "#plan-text")
        assert "REFUSED" in shown and "lab:stable" in shown
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)  # refused: no confirmation

        await pilot.press("a")
        plan = cleanup_pane(app).plan
        assert plan is not None and plan.ok
        assert {str(t) for t in plan.collateral_tags} == {"lab:stable", "lab:v2"}
        await pilot.press("x")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert "Tags you did not select go too: lab:stable" in screen.warning
        await confirm(pilot)
    assert "v2" not in registry.tags["lab"] and "stable" not in registry.tags["lab"]
    assert "cachetest" in registry.tags["lab"]


async def test_deletion_disabled_shows_the_fix_and_changes_nothing() -> None:
    registry = lab_fake_registry()
    registry.delete_enabled = False
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "cachedata1:latest")
        await pilot.press("space", "x")
        await confirm(pilot)
        message = text_of(app, "#cleanup-message")
        assert "Nothing was deleted" in message
        assert "REGISTRY_STORAGE_DELETE_ENABLED=true" in message
    assert "latest" in registry.tags["cachedata1"]


async def test_the_registry_down_says_what_to_do_and_refresh_recovers() -> None:
    registry = lab_fake_registry()
    registry.down = True
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = text_of(app, "#cleanup-message")
        assert "Cannot read localhost:5000" in message
        assert "press r to refresh" in message
        assert keys(app) == []
        registry.down = False
        await pilot.press("r")
        await settle(pilot)
        assert "cachedata1:latest" in keys(app)
        assert not app.query_one("#cleanup-message").has_class("shown")


async def test_gc_without_the_container_says_how_to_fix_it() -> None:
    registry = lab_fake_registry()
    app = app_for(registry, FakeContainer(registry, missing=True))
    posted: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        # The same message, seen once at each widget it bubbles through.
        failures = [m for m in posted if isinstance(m, Failed)]
        assert failures and all(isinstance(m.error, ContainerNotFound) for m in failures)
        failed = failures[-1]
        message = text_of(app, "#cleanup-message")
        assert failed.what in message and str(failed.error) in message


async def test_verify_checks_every_tag() -> None:
    registry = lab_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = cleanup_pane(app)
        assert isinstance(pane, CleanupPane) and pane.graph is not None
        lab = pane.graph.repositories["lab"]
        child = pane.graph.node("lab", lab.manifests[lab.tags["cachetest"]].children[1])
        assert child is not None
        del registry.manifests["lab"][child.digest]
        await pilot.press("v")
        await settle(pilot)
        status = text_of(app, "#cleanup-status")
        assert "DAMAGED: 1 remaining tag on localhost:5000 is damaged (of 7 checked)" in status
        assert "lab:cachetest" in status


async def test_an_interrupted_collection_is_shown_and_R_resumes_it() -> None:
    from buildtui.cleanup.journal import Journal

    registry = lab_fake_registry()
    container = FakeContainer(registry, running=False)
    registry.down = True
    service = fake_cleanup_service(registry, container)
    key = service.collector.key_of(container.inspect())
    journal = Journal.begin(service.settings, key, "registry7", was_running=True)
    journal.phase("collecting")  # its process died with registry7 stopped
    app = cleanup_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = text_of(app, "#cleanup-message")
        assert "the garbage collection of registry7 started" in message
        assert "Press R to resume it" in message
        shown = [b for b in cleanup_pane(app).BINDINGS if isinstance(b, Binding) and b.show]
        assert ("R", "resume", "Resume") in [(b.key, b.action, b.description) for b in shown]

        await pilot.press("R")
        await settle(pilot)

        assert container.running and "started registry7" in container.steps
        status = text_of(app, "#cleanup-status")
        assert "Resumed the interrupted garbage collection of registry7" in status
        assert "OK: all" in status
        assert not app.query_one("#cleanup-message").has_class("shown")
    loaded = Journal.load(journal.path)
    assert loaded is not None and loaded.state == "done"


async def test_a_damaged_journal_neither_breaks_the_pane_nor_its_collection() -> None:
    from buildtui.cleanup.journal import Journal

    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    journal = Journal.begin(
        service.settings, service.collector.key_of(container.inspect()), "registry7"
    )
    journal.finish("done")
    path = journal.path
    path.write_text(path.read_text().replace('"settings": {', '"settings": "garbage", "x": {'))
    other = path.with_name("0000_" + "ef" * 32 + ".journal.json")
    other.write_text('{"version": 1, "cont')  # another container's, cut short
    app = cleanup_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cleanup_pane(app).graph is not None  # the pane started and read the registry
        assert not app.query_one("#cleanup-message").has_class("shown")
        await pilot.press("g")
        await settle(pilot)
        message = text_of(app, "#cleanup-message")
        assert "could not be read (settings: a string, not an object)" in message
        assert (
            "Now registry7 (container " in message and "is running, the engine says" in message
        ), message
        assert not path.exists() and other.exists()  # only its own was moved aside

        await pilot.press("g")  # the journal is out of the way: the collection runs
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


async def test_delete_is_refused_while_a_collection_holds_the_registry() -> None:
    from buildtui.cleanup.journal import RegistryLock

    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    app = cleanup_app(service)
    lock = RegistryLock.of(service.collector.key_of(service.container.inspect()), "registry7")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "lab:stable")
        await pilot.press("space", "x")
        lock.acquire("garbage collection", "buildtui gc -y")
        try:
            await confirm(pilot)
        finally:
            lock.release()
        assert "a garbage collection of registry7 runs since" in text_of(app, "#cleanup-message")
        assert "stable" in registry.tags["lab"]


async def test_G_collects_and_removes_the_repositories_left_without_tags() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    app = app_for(registry, container)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "cachedata1:latest")
        await pilot.press("space", "x")
        await confirm(pilot)
        await pilot.press("G")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        body = str(screen.query_one("#confirm-body", Static).render())
        assert "repository cachedata1 holds no tag and no manifest: it will be removed" in body
        await confirm(pilot)

        assert "cachedata1" not in registry.manifests
        assert "repository cachedata1 removed from storage" in text_of(app, "#cleanup-status")


# -- the table: names always visible, Home/End move the cursor ---------------------------


def cursor_line(app: BuildTUI) -> str:
    """The table's line under the cursor, as it is drawn (after any sideways scroll)."""
    table = app.query_one(CleanupItems)
    y = table.header_height + table.cursor_row - round(table.scroll_y)
    return table.render_line(y).text


def with_a_long_name(registry: WritableFakeRegistry) -> WritableFakeRegistry:
    """Another user's cache image, with a name long enough to make the table scroll sideways."""
    registry.push_image("students/another-user/a-long-project-name/cache", "buildcache")
    return registry


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
async def test_end_up_space_selects_the_row_whose_name_is_under_the_cursor(
    size: tuple[int, int],
) -> None:
    app = app_for(with_a_long_name(lab_fake_registry()))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.query_one(CleanupItems)
        table.focus()
        assert table.max_scroll_x > 0  # the long name pushes the other columns out of view
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("up", "space")
        await pilot.pause()
        (chosen,) = cleanup_pane(app).selected
        assert chosen == keys(app)[-2] == table.current_key
        assert chosen in cursor_line(app)
        # Scrolled sideways as far as it goes, the pinned name still says which row it is.
        table.scroll_x = table.max_scroll_x
        await pilot.pause()
        assert table.scroll_x > 0
        assert chosen in cursor_line(app)
        await pilot.press("home")
        assert table.cursor_row == 0
        assert keys(app)[0] in cursor_line(app)
        await pilot.press("pagedown")
        assert table.cursor_row > 0


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
async def test_every_column_reads_whole_with_the_lab_s_names(size: tuple[int, int]) -> None:
    app = app_for(lab_fake_registry())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.query_one(CleanupItems)
        assert table.max_scroll_x == 0  # nothing hides to the right
        header = table.render_line(0).text.split()
        assert header == ["REPOSITORY:TAG", "KIND", "SIZE", "SHARED", "NOTE"]
        cache = table.get_row_index("cachedata1:latest")
        line = table.render_line(table.header_height + cache).text
        assert line.split() == ["cachedata1:latest", "cache", "image", "9.42", "kB", "35", "B"]
        # The highlighted row in full, below the table: its whole kind and digest.
        await point_at(app, pilot, "lab:cachetest")
        detail = text_of(app, "#cleanup-row")
        assert "index linux/amd64 + linux/arm64" in detail
        assert cleanup_pane(app).rows["lab:cachetest"].digest in detail


async def test_after_delete_and_collect_the_plan_view_shows_predicted_against_measured() -> None:
    registry = lab_fake_registry()
    interrupted = registry.add_blob(b"a layer of a push that was interrupted" * 100)
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "cachedata1:latest")
        await pilot.press("space")
        plan = cleanup_pane(app).plan
        assert plan is not None
        await pilot.press("x")
        await confirm(pilot)
        await pilot.press("g")
        await confirm(pilot)

        account = cleanup_pane(app).last_collection
        assert account is not None
        assert {b.digest for b in account.planned} == {b.digest for b in plan.freed_blobs}
        assert account.earlier == (interrupted["digest"],)
        shown = text_of(app, "#plan-text")
        assert "Last garbage collection:" in shown
        assert (
            f"Predicted by the plan (cachedata1:latest): 3 blobs, {format_size(plan.freed_bytes)}"
            in shown
        )
        assert "3 blobs, " in shown and "freed by this deletion (planned)" in shown
        assert "  1 blob" in shown
        assert "garbage already in storage before it (earlier deletions, failed or" in shown
        # The status keeps the collector's summary and the verification.
        status = text_of(app, "#cleanup-status")
        assert "4 blobs and 0 manifests eligible" in status
        assert "OK: all 6 remaining tags on " in status


@pytest.mark.parametrize("size", [(100, 30), (100, 24)])
async def test_in_the_whole_app_the_table_keeps_room_and_end_moves_the_cursor(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    settings, services = fake_services(tmp_path)
    app = make_app(settings, services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        table = app.query_one(CleanupItems)
        assert app.focused is table
        # After a deletion and a collection, the status below the table holds their results.
        table.move_cursor(
            row=[str(r.key.value) for r in table.ordered_rows].index("cachedata1:latest")
        )
        await pilot.press("space", "x")
        await confirm(pilot)
        table.focus()
        await pilot.press("g")
        await confirm(pilot)
        assert app.query_one("#cleanup-status", Static).size.height >= 4
        table.focus()
        assert table.size.height >= 5  # still the header and at least four rows
        await pilot.press("end", "up", "space")
        pane = app.query_one(CleanupPane)
        (chosen,) = pane.selected
        assert chosen == [str(r.key.value) for r in table.ordered_rows][-2]
        y = table.header_height + table.cursor_row - round(table.scroll_y)
        assert chosen in table.render_line(y).text


async def test_removing_only_the_cache_tag_offers_its_untagged_row_and_the_empty_repository() -> (
    None
):
    registry = lab_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await point_at(app, pilot, "cachedata1:latest")
        await pilot.press("t")
        shown = text_of(app, "#plan-text")
        assert "stays as an untagged revision" in shown
        assert "buildtui rm --untagged cachedata1" in shown
        assert "registry:2 has no API to delete a repository" in shown
        await pilot.press("x")
        await confirm(pilot)
        status = text_of(app, "#cleanup-status")
        assert "cachedata1: 1 manifest left untagged, kept by the collector: select the row " in (
            status
        )
        assert "buildtui gc --remove-empty-repo cachedata1" in status
        # The row it offers is there: selecting it plans the untagged manifest's deletion.
        await point_at(app, pilot, "cachedata1 (untagged)")
        await pilot.press("space")
        plan = cleanup_pane(app).plan
        assert plan is not None and plan.ok
        assert [s.repository for s in plan.deleted_manifests] == ["cachedata1"]
