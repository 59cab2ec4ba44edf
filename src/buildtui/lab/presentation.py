"""The guide as Rich text for the Lab pane: each item's row and its details.

Styled with semantic names (`"bold success"`, `"muted"` ...), never colours: the app
turns them into its theme's colours (`buildtui.app.theme_styles`). The mark itself
says an item's state, so the list reads without colour too.
"""

from __future__ import annotations

from rich.text import Text

from buildtui.lab.checklist import Item, Status, Translate, short_title

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
    if item.note:
        text.append(f"  {item.note}\n", style="warning" if item.status is Status.ATTENTION else "")
    text.append(translate("Commands") + ":\n", style="bold")
    for command in item.commands:
        text.append(f"  $ {command}\n", style="primary")
    return text
