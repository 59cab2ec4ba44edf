"""Messages that panes send to the app."""

from __future__ import annotations

from textual.message import Message


class LabChanged(Message):
    """A pane changed what the status bar shows (the builder in use, the registry's state).

    It bubbles up to the app, which probes the status again at once instead of at
    its next interval.
    """
