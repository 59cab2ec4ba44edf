"""The repositories of a registry, one option per repository."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from buildtui.untrusted import screen_text


class RepositoryList(OptionList):
    """Repository names; highlighting one shows its tags (the pane listens)."""

    def on_mount(self) -> None:
        self.border_title = "Repositories"

    def show(self, repositories: list[str], current: str | None) -> None:
        """These repositories; the highlight stays on `current` when it is shown."""
        self.set_options(Option(screen_text(name, one_line=True), id=name) for name in repositories)
        if current in repositories:
            self.highlighted = repositories.index(current)
        elif repositories:
            self.highlighted = 0
