"""The twins' output stream as their code sees it."""

from __future__ import annotations

from typing import TextIO, cast

from buildtui.commands.output import VisibleControls


def visible_controls(stream: TextIO) -> TextIO:
    """`VisibleControls` over `stream`, typed as the `TextIO` the twins write to: at run
    time `human_output` puts one in `sys.stdout` and `sys.stderr`, whose type is `TextIO`,
    while the class itself is an `io.TextIOBase`, which typing's `TextIO` does not admit."""
    return cast(TextIO, VisibleControls(stream))
