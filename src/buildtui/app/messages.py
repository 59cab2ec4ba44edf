"""What panes and the app share: the messages panes send it, where a pane is hosted."""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget
from textual.widgets import TabPane

from buildtui.pane_ids import Target


class LabChanged(Message):
    """A pane changed what the status bar shows (the builder in use, the registry's state).

    It bubbles up to the app, which probes the status again at once instead of at
    its next interval. With `registry_changed` (a build pushed to the lab registry, a
    deletion, a garbage collection), the app also has the other panes that show the
    registry's contents read it again.
    """

    def __init__(self, registry_changed: bool = False, origin: Widget | None = None) -> None:
        super().__init__()
        self.registry_changed = registry_changed
        self.origin = origin
        """The pane that changed it (it refreshes itself)."""


def hosted_in_tabs(widget: Widget) -> bool:
    """Inside the app's tabs: the app moves the focus into the pane it shows.

    A pane that focused one of its widgets itself would switch the tabs to it.
    """
    return any(isinstance(node, TabPane) for node in widget.ancestors)


class LabProgress(Message):
    """The Lab pane's count of ticked items changed: the app shows it on the tab and in
    the status bar."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class ShowLabStep(Message):
    """Take the user to the pane of `target`, filled in with its preset (e.g. the Build
    form's lab preset): the app runs the action its pane's spec gives the preset."""

    def __init__(self, target: Target) -> None:
        super().__init__()
        self.target = target
