"""The Clean-up pane's commands (its bindings, footer keys and palette entries) and help."""

from __future__ import annotations

from buildtui.app.commands import Command

PANE_COMMANDS = (
    Command("cleanup.toggle", "space", "mark", "Select", "Select or unselect the row"),
    Command(
        "cleanup.space",
        "s",
        "space",
        "Space",
        "Show what deleting each tag or repository frees, largest first, and the space "
        "by repository and by kind (again: back to the tags)",
        show=False,  # in the help under the plan: the footer keeps the lab's keys at 100 columns
    ),
    Command("cleanup.tag_only", "t", "tag_only", "Tag only", "Remove the tag, keep the image"),
    Command(
        "cleanup.by_digest",
        "i",
        "by_digest",
        "Image",
        "Delete the manifest with all its tags",
    ),
    Command("cleanup.allow_tags", "a", "allow_tags", "Allow", "Allow other tags to go too"),
    Command(
        "cleanup.rules",
        "k",
        "rules",
        "Rules…",
        "Retention rules: keep the last N images, delete older ones and untagged revisions "
        "(the plan first)",
        show=False,
    ),
    Command(
        "cleanup.referrers",
        "f",
        "referrers",
        "Referrers",
        "Add the referrers (signatures, SBOMs) the plan would leave orphaned",
        show=False,
    ),
    Command("cleanup.delete", "x", "delete", "Delete…", "Delete the selection (confirm)"),
    Command("cleanup.gc", "g", "gc", "Collect…", "Garbage-collect the registry (confirm)"),
    Command(
        "cleanup.gc_empty",
        "G",
        "gc_empty",
        "Collect + empty repos…",
        "Garbage-collect and remove the repositories that hold no tag and no manifest",
        show=False,
    ),
    Command(
        "cleanup.gc_untagged",
        "M",
        "gc_untagged",
        "Collect with -m…",
        "Garbage-collect with --delete-untagged (only on distribution 3; refused on 2.8)",
        show=False,
    ),
    Command(
        "cleanup.resume",
        "R",
        "resume",
        "Resume",
        "Finish an interrupted garbage collection: start the registry, verify every tag",
    ),
    Command("cleanup.verify", "v", "verify", "Verify", "Check every tag is complete", show=False),
    Command("cleanup.clear", "c", "clear", "Clear", "Clear the selection", show=False),
    Command("cleanup.refresh", "r", "refresh", "Refresh", "Read the registry again"),
)


HELP = (
    "Select rows with space: tags, images, cache images, or a repository's untagged "
    "manifests. The plan shows what goes, what stays and why, the space garbage collection "
    "frees and the exact requests.\n\n"
    "t: remove a tag only · i: the whole image (its manifest, with every tag on it) · "
    "a: allow other tags to go · x: delete · g: garbage collection · v: verify every tag\n\n"
    "s: what deleting each frees, largest first, and the space by repository and by kind · "
    "k: retention rules (keep the last N, older than, untagged)"
)

SPACE_HELP = (
    "space selects a row (a repository: all its tags and untagged revisions); the line under "
    "the table says what the selection frees together. x deletes it (the plan first), k "
    "applies retention rules, s goes back to the tags."
)
