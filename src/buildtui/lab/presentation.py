"""The guide as Rich text for the Lab pane: each item's row and its details.

Styled with semantic names (`"bold success"`, `"muted"` ...), never colours: the app
turns them into its theme's colours (`buildtui.app.theme_styles`). The mark itself
says an item's state, so the list reads without colour too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text

from buildtui.i18n import translator
from buildtui.lab.checklist import Guide, Item, Observations, Status, Translate, short_title
from buildtui.lab.timeline import duration, short_time, timeline

MARKS = {
    Status.DONE: ("[x]", "bold success"),
    Status.ACCEPTED: ("[~]", "bold success"),
    Status.TODO: ("[ ]", ""),
    Status.ATTENTION: ("[!]", "bold warning"),
}
"""An item's mark and its style, by status."""


def item_row(item: Item, translate: Translate) -> tuple[Text, str, Text]:
    """The checklist's row: the mark, the item's short title, its first evidence (or why
    it is not done)."""
    mark, style = MARKS[item.status]
    first = item.evidence[0] if item.evidence else (item.note or "")
    title = f"{item.number}. {short_title(item.key, translate)}"
    return Text(mark, style=style), title, Text(first, style="muted", no_wrap=True)


def item_details(item: Item, translate: Translate) -> Text:
    """The highlighted item: its title, every evidence line, its note, its commands."""
    text = Text()
    mark = MARKS[item.status][0]
    text.append(f"{mark} {item.number}. {item.title}\n", style="bold")
    for line in item.evidence:
        text.append(f"  • {line}\n")
    if item.proven_at is not None:
        text.append(
            "  "
            + translate("Proven {when}").format(when=short_time(item.proven_at, time.time()))
            + "\n",
            style="muted",
        )
    if item.note:
        style = "warning" if item.status is Status.ATTENTION or item.kept else ""
        text.append(f"  {item.note}\n", style=style)
    text.append(translate("Commands") + ":\n", style="bold")
    for command in item.commands:
        text.append(f"  $ {command}\n", style="primary")
    return text


def timeline_lines(obs: Observations, items: Sequence[Item], translate: Translate) -> list[str]:
    """The lab as a dated sequence, one line an event: time, duration, what."""
    now = obs.at or time.time()
    events = timeline(obs, items, translate)
    times = [short_time(event.at, now) for event in events]
    tooks = [duration(event.seconds, translate) for event in events]
    width = max((len(t) for t in times), default=0)
    took_width = max((len(t) for t in tooks), default=0)
    return [
        f"{when:>{width}}  {took:>{took_width}}  {event.text}"
        for when, took, event in zip(times, tooks, events, strict=True)
    ]


def timeline_text(obs: Observations, items: Sequence[Item], translate: Translate) -> Text:
    text = Text()
    lines = timeline_lines(obs, items, translate)
    if lines:
        text.append("\n" + translate("Timeline") + ":\n", style="bold")
        for line in lines:
            text.append(f"  {line}\n", style="muted")
    return text


def status_lines(guide: Guide, obs: Observations, language: str) -> list[str]:
    """`buildtui lab status`: the same marks and lines as the Lab pane."""
    translate = translator(language)
    lines = []
    for item in guide.items:
        lines.append(f"{MARKS[item.status][0]} {item.number}. {item.title}")
        lines += [f"      {line}" for line in item.evidence]
        if item.proven_at is not None:
            when = short_time(item.proven_at, obs.at or time.time())
            lines.append("      " + translate("Proven {when}").format(when=when))
        if item.note:
            lines.append(f"      {item.note}")
    timeline_part = timeline_lines(obs, guide.items, translate)
    if timeline_part:
        lines += ["", translate("Timeline") + ":", *(f"  {line}" for line in timeline_part)]
    lines += ["", guide.progress]
    return lines
