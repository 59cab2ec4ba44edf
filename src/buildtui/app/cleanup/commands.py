"""The Clean-up pane's commands (its bindings, footer keys and palette entries) and help."""

from __future__ import annotations

from buildtui.app.commands import Command
from buildtui.i18n import N_

PANE_COMMANDS = (
    Command("cleanup.toggle", "space", "mark", N_("Select"), N_("Select or unselect the row")),
    Command(
        "cleanup.space",
        "s",
        "space",
        N_("Space"),
        N_(
            "Show what deleting each tag or repository frees, largest first, and the "
            "space by repository and by kind (again: back to the tags)"
        ),
        show=False,  # in the help under the plan: the footer keeps the lab's keys at 100 columns
    ),
    Command(
        "cleanup.tag_only", "t", "tag_only", N_("Tag only"), N_("Remove the tag, keep the image")
    ),
    Command(
        "cleanup.by_digest",
        "i",
        "by_digest",
        N_("Image"),
        N_("Delete the manifest with all its tags"),
    ),
    Command("cleanup.allow_tags", "a", "allow_tags", N_("Allow"), N_("Allow other tags to go too")),
    Command(
        "cleanup.rules",
        "k",
        "rules",
        N_("Rules…"),
        N_(
            "Retention rules: keep the last N images, delete older ones and untagged "
            "revisions (the plan first)"
        ),
        show=False,
    ),
    Command(
        "cleanup.referrers",
        "f",
        "referrers",
        N_("Referrers"),
        N_("Add the referrers (signatures, SBOMs) the plan would leave orphaned"),
        show=False,
    ),
    Command("cleanup.delete", "x", "delete", N_("Delete…"), N_("Delete the selection (confirm)")),
    Command("cleanup.gc", "g", "gc", N_("Collect…"), N_("Garbage-collect the registry (confirm)")),
    Command(
        "cleanup.gc_empty",
        "G",
        "gc_empty",
        N_("Collect + empty repos…"),
        N_("Garbage-collect and remove the repositories that hold no tag and no manifest"),
        show=False,
    ),
    Command(
        "cleanup.gc_untagged",
        "M",
        "gc_untagged",
        N_("Collect with -m…"),
        N_("Garbage-collect with --delete-untagged (only on distribution 3; refused on 2.8)"),
        show=False,
    ),
    Command(
        "cleanup.resume",
        "R",
        "resume",
        N_("Resume"),
        N_("Finish an interrupted garbage collection: start the registry, verify every tag"),
    ),
    Command(
        "cleanup.verify", "v", "verify", N_("Verify"), N_("Check every tag is complete"), show=False
    ),
    Command("cleanup.clear", "c", "clear", N_("Clear"), N_("Clear the selection"), show=False),
    Command("cleanup.refresh", "r", "refresh", N_("Refresh"), N_("Read the registry again")),
)


HELP = N_(
    "Select rows with space: tags, images, cache images, or a repository's "
    "untagged manifests. The plan shows what goes, what stays and why, the space "
    "garbage collection frees and the exact requests.\n\nt: remove a tag only · i: "
    "the whole image (its manifest, with every tag on it) · a: allow other tags to "
    "go · x: delete · g: garbage collection · v: verify every tag\n\ns: what "
    "deleting each frees, largest first, and the space by repository and by kind · "
    "k: retention rules (keep the last N, older than, untagged)"
)

SPACE_HELP = N_(
    "space selects a row (a repository: all its tags and untagged revisions); the "
    "line under the table says what the selection frees together. x deletes it "
    "(the plan first), k applies retention rules, s goes back to the tags."
)
