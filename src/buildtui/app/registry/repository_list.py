"""The repositories of a registry, one option per repository, one line each."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from buildtui.i18n import _
from buildtui.untrusted import visible


class NameLine(Visual):
    """A repository's name as screen text, one line high whatever its length.

    OptionList asks each option's visual for its height at every layout (new options, a
    resize): measured by wrapping, 50,000 names took seconds on the event loop each
    time. This visual says 1 at once, and draws the first line of the name as the
    option list would wrap it (a long name is cut there)."""

    def __init__(self, text: str) -> None:
        self.text = text
        """The name as screen text (`untrusted.visible`): never markup, no control codes."""
        self.content: Content | None = None
        """Its content, made when it is first drawn or measured."""

    def line(self) -> Content:
        if self.content is None:
            self.content = Content(self.text)
        return self.content

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.line().render_strips(width, height, style, options)[:1]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.line().get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.line().get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1


class RepositoryOption(Option):
    """One repository: its name (the registry's data) as screen text, on one line."""

    def __init__(self, name: str) -> None:
        super().__init__(NameLine(visible(name, one_line=True)), id=name)


class RepositoryList(OptionList):
    """Repository names; highlighting one shows its tags (the pane listens).

    Every option is one line (`NameLine`): the list counts its lines instead of
    measuring them, and draws only the lines on screen."""

    def on_mount(self) -> None:
        self.border_title = _("Repositories")

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.option_count

    def show(self, repositories: list[str], current: str | None) -> None:
        """These repositories; the highlight stays on `current` when it is shown."""
        self.set_options(RepositoryOption(name) for name in repositories)
        if current in repositories:
            self.highlighted = repositories.index(current)
        elif repositories:
            self.highlighted = 0

    def extend(self, repositories: Iterable[str]) -> None:
        """More repositories at the end (the next page of the catalog); the first one
        shown is highlighted."""
        self.add_options(RepositoryOption(name) for name in repositories)
        if self.highlighted is None and self.option_count:
            self.highlighted = 0
