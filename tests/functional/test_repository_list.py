"""The Registry pane's list of repositories on its own: one screen line per name, however
long or hostile, and the keys, the mouse and the highlight message of an OptionList."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from buildtui.app.registry.repository_list import RepositoryList
from tests.fakes.screen import find_on_screen, screen_lines

LONG = "class/a-very-long-repository-name-that-goes-on"
NAMES = [
    "lab",
    LONG,
    "with spaces in a name a registry should never send",
    "x\x1b]0;PWNED\x07y",
    "日本語の名前がとても長いリポジトリ",
    *(f"n{number:03d}" for number in range(60)),
]


class ListApp(App[None]):
    CSS = "RepositoryList { width: 24; height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.highlights: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield RepositoryList(id="registry-repos")

    def on_mount(self) -> None:
        self.query_one(RepositoryList).show(NAMES, None)

    @on(OptionList.OptionHighlighted, "#registry-repos")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.highlights.append(event.option.id)


async def test_each_name_is_one_line_of_screen_text() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        repos = app.query_one(RepositoryList)
        assert repos.border_title == "Repositories"
        assert repos.option_count == len(NAMES)
        # Each row between the border and the scroll bar (18 cells wide).
        rows = [line[2:].split("▎")[0].rstrip(" ▁▂▃▄▅▆▇█") for line in screen_lines(app)[1:11]]
        # A long name is cut where the list would wrap it; the next name is on the next row.
        assert rows[:5] == [
            "lab",
            "class/a-very-long-",
            "with spaces in a",
            "x\\x1b]0;PWNED\\x07y",
            "日本語の名前がとて",
        ]
        assert rows[5:] == ["n000", "n001", "n002", "n003", "n004"]
        assert app.highlights == ["lab"]


async def test_keys_and_clicks_move_the_highlight_and_say_so() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        repos = app.query_one(RepositoryList)
        await pilot.press("down", "down")
        assert repos.highlighted == 2
        await pilot.press("pagedown")
        assert repos.highlighted == 12  # a page: the ten rows shown
        await pilot.press("end")
        await pilot.pause()
        assert repos.highlighted == len(NAMES) - 1
        assert find_on_screen(app, "n059"), "the last name is scrolled into view"
        await pilot.press("home", "up")
        assert repos.highlighted == len(NAMES) - 1  # up from the first wraps to the last
        await pilot.press("home")
        spot = find_on_screen(app, "n002")[0]
        await pilot.click(offset=(spot.x, spot.y))
        await pilot.pause()
        assert repos.highlighted == NAMES.index("n002")
        assert app.highlights[-1] == "n002"
        assert app.highlights[:3] == ["lab", NAMES[1], NAMES[2]]
