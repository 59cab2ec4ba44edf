"""The Lab pane's rows and details: the mark says the state, styles are semantic."""

from __future__ import annotations

from buildtui.i18n import translator
from buildtui.lab.checklist import Item, Status
from buildtui.lab.presentation import MARKS, item_details, item_row
from buildtui.pane_ids import Target
from tests.unit.styles import stray_style_words, style_of

PUSHED = Item(
    4,
    "pushed",
    "A two-platform image is pushed to registry7 and its manifest lists both",
    Status.DONE,
    ("localhost:5000/lab:cachetest", "Index digest sha256:abc"),
    ("docker buildx imagetools inspect localhost:5000/lab:cachetest",),
    Target.LAB_BUILD,
)
IMPORT = Item(
    7,
    "cache-import",
    "The local cache is pruned, and a second build imports the registry cache",
    Status.ATTENTION,
    ("Build 2: 5/5 steps CACHED, cache import: not found",),
    ("docker buildx prune -af",),
    Target.PRUNE_BUILDER,
    note="The CACHED steps came from the builder's local cache.",
)
BONUS = Item(
    9, "bonus", "Bonus", Status.TODO, (), ("buildtui gc",), Target.CLEANUP, note="Not yet."
)


def test_every_status_has_its_own_mark() -> None:
    marks = [MARKS[status][0] for status in Status]
    assert len(set(marks)) == len(Status)


def test_row_of_a_done_item_a_todo_and_one_needing_attention() -> None:
    mark, title, evidence = item_row(PUSHED, str)
    assert (mark.plain, style_of(mark, "[x]")) == ("[x]", "bold success")
    assert title == "4. Two-platform image pushed"
    assert (evidence.plain, evidence.style) == ("localhost:5000/lab:cachetest", "muted")
    assert evidence.no_wrap
    mark, title, evidence = item_row(BONUS, str)
    assert (mark.plain, mark.style) == ("[ ]", "")
    assert evidence.plain == "Not yet."  # no evidence yet: why it is not done
    mark, _, _ = item_row(IMPORT, str)
    assert (mark.plain, mark.style) == ("[!]", "bold warning")


def test_row_title_in_polish() -> None:
    _, title, _ = item_row(PUSHED, translator("pl"))
    assert title.startswith("4. ") and title != "4. Two-platform image pushed"


def test_details_list_evidence_the_note_and_the_commands() -> None:
    text = item_details(IMPORT, str)
    assert text.plain == (
        "[!] 7. The local cache is pruned, and a second build imports the registry cache\n"
        "  • Build 2: 5/5 steps CACHED, cache import: not found\n"
        "  The CACHED steps came from the builder's local cache.\n"
        "Commands:\n"
        "  $ docker buildx prune -af\n"
    )
    assert style_of(text, "  The CACHED steps came from the builder's local cache.\n") == "warning"
    assert style_of(text, "  $ docker buildx prune -af\n") == "primary"
    todo = item_details(BONUS, str)
    assert style_of(todo, "  Not yet.\n") == ""  # a plain note: nothing misleading seen
    assert "Polecenia:\n" in item_details(BONUS, translator("pl")).plain


def test_no_text_names_a_colour() -> None:
    for item in (PUSHED, IMPORT, BONUS):
        mark, _, evidence = item_row(item, str)
        for text in (mark, evidence, item_details(item, str)):
            assert stray_style_words(text) == set(), text.plain
