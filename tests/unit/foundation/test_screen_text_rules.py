"""The app shows text from outside one way (`untrusted.screen_text`): checked on its source.

Every Static is a `ScreenStatic` and every DataTable a `ScreenTable` (both make what
they are given screen text); nothing parses markup; a Label, a border title, an option
or a log line built from data goes through `screen_text` or `visible` first. The
hostile-registry tests (`tests/functional/test_hostile_text.py`) check the screen
itself; these rules keep the next widget from slipping past them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import buildtui
from buildtui.untrusted import visible

SOURCE = Path(buildtui.__file__).parent
APP = SOURCE / "app"
GUARDS = {APP / "shared" / "screen_static.py", APP / "shared" / "screen_table.py"}
SCREENING = {"screen_text", "visible", "visible_escapes"}


def modules(root: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def is_own_words(node: ast.expr) -> bool:
    """A literal, None, a literal translated (`_("...")`, or `_(TITLE)` of a marked
    constant: the catalogue is buildtui's own words), a choice between those, or
    something screened first."""
    if isinstance(node, ast.Constant):
        return True
    if (
        isinstance(node, ast.Call)
        and name_of(node.func) in ("_", "N_")
        and all(isinstance(arg, ast.Constant | ast.Name) for arg in node.args)
    ):
        return True
    if isinstance(node, ast.IfExp):
        return is_own_words(node.body) and is_own_words(node.orelse)
    return isinstance(node, ast.Call) and name_of(node.func) in SCREENING


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SOURCE)}:{getattr(node, 'lineno', '?')}"


def test_every_static_and_data_table_of_the_app_screens_its_text() -> None:
    found = []
    for path, module in modules(APP):
        if path in GUARDS:
            continue
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and name_of(node.func) in ("Static", "DataTable"):
                found.append(f"{where(path, node)}: {name_of(node.func)}(...)")
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    base_name = name_of(base.value if isinstance(base, ast.Subscript) else base)
                    if base_name in ("Static", "DataTable"):
                        found.append(f"{where(path, node)}: class {node.name}({base_name})")
    assert not found, "use ScreenStatic / ScreenTable (or a subclass):\n" + "\n".join(found)


def test_nothing_parses_markup() -> None:
    found = []
    for path, module in modules(SOURCE):
        for node in ast.walk(module):
            if isinstance(node, ast.Attribute) and node.attr in ("from_markup", "render_markup"):
                found.append(where(path, node))
            markup = isinstance(node, ast.keyword) and node.arg == "markup"
            off = (
                isinstance(node, ast.keyword)
                and isinstance(node.value, ast.Constant)
                and node.value.value is False
            )
            if markup and not off:
                found.append(where(path, node))
    assert not found, "markup from buildtui's text: " + ", ".join(found)


def test_labels_titles_options_and_log_lines_are_own_words_or_screened() -> None:
    found = []
    for path, module in modules(APP):
        for node in ast.walk(module):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    title = name_of(target) in ("border_title", "border_subtitle")
                    if title and not is_own_words(node.value):
                        found.append(f"{where(path, node)}: {name_of(target)}")
            if not isinstance(node, ast.Call) or not node.args:
                continue
            called, first = name_of(node.func), node.args[0]
            if called == "Label" and not (isinstance(first, ast.Name) or is_own_words(first)):
                found.append(f"{where(path, node)}: Label")
            if called in ("Option", "write_line") and not is_own_words(first):
                found.append(f"{where(path, node)}: {called}")
    assert not found, "screen_text(...) or visible(...) first:\n" + "\n".join(found)


def test_the_app_s_notifications_are_never_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    from buildtui.app.app import BuildTUI
    from buildtui.app.classroom.app import ClassApp
    from buildtui.app.running import ScreenTextApp

    # The override every widget's notify reaches, in the main app and the class app.
    assert "notify" in ScreenTextApp.__dict__
    assert BuildTUI.notify is ScreenTextApp.notify and ClassApp.notify is ScreenTextApp.notify
    # What it hands to Textual: no markup, whatever the caller asked, control codes escaped.
    handed: list[tuple[str, str, bool]] = []

    def textual_notify(
        self: App[None], message: str, *, title: str = "", markup: bool = True, **_: object
    ) -> None:
        handed.append((message, title, markup))

    monkeypatch.setattr(App, "notify", textual_notify)
    ScreenTextApp[None]().notify("[b]tag[/b]\x1b[2J", title="[i]x", markup=True)
    assert handed == [(visible("[b]tag[/b]\x1b[2J"), visible("[i]x", one_line=True), False)]
    assert "\x1b" not in handed[0][0]
