"""Pure presentation of the registry's space (`space.SpaceReport`) and of the retention
rules: text lines (`buildtui registry space`, `buildtui rm REPO --keep-last …`), bars
drawn with characters (readable without colour: `█` frees, `░` shared), Rich text and
table cells (the Clean-up pane) and JSON.

Every name comes from the registry: lines are plain text, never markup; the CLI's output
layer and the pane's screen text (`buildtui.untrusted`) show its control characters as
visible escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rich.text import Text

from buildtui.cleanup.distribution import RegistryVersion
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.present import truncate
from buildtui.cleanup.retention import SOURCE_WORDS, RetentionChoice, iso_date
from buildtui.cleanup.space import Bar, SpaceReport, SpaceRow, WhatIf
from buildtui.i18n import N_, _, ngettext
from buildtui.registry.present import format_size

FREES = "█"
"""A bar's part that deleting it frees (only it holds those bytes)."""
SHARED = "░"
"""A bar's part that stays: other tags need those bytes too."""
BAR_WIDTH = 24
FREES_STYLE = "bold warning"
SHARED_STYLE = "muted"
ROW_NOTE_WIDTH = 34
NAME_WIDTH = 44
"""The ranking's NAME column at most (a referrer's `sha256-<hex>.sig` tag is 78 long; the
line under the table shows the whole name)."""


def bar_cells(bar: Bar, largest: int, width: int = BAR_WIDTH) -> tuple[str, str]:
    """The bar's two runs of characters, scaled to the largest bar: (frees, shared). A part
    that is not zero gets at least one character."""
    if largest <= 0 or bar.total <= 0:
        return "", ""
    total = max(1, round(bar.total / largest * width))
    frees = round(bar.freeable / bar.total * total)
    if bar.freeable and not frees:
        frees = 1
    if bar.shared and frees >= total:
        frees = total - 1 if total > 1 else frees
        total = max(total, frees + 1)
    return FREES * frees, SHARED * (total - frees)


FIGURES = {
    "frees": N_("{freeable} frees of {total}"),
    "own": N_("{freeable} its own of {total}"),
    "": N_("{freeable} of {total}"),
}
"""A bar's figures, by what its freeable part is called (nothing: the pane's narrow box)."""


def bar_line(
    bar: Bar, largest: int, label_width: int, width: int = BAR_WIDTH, own: str = "frees"
) -> str:
    """`lab  ████░░░  416 kB frees of 456 kB` (`own`: `frees`, `own` or empty, as the
    pane's narrow box has it: `416 kB of 456 kB`)."""
    frees, shared = bar_cells(bar, largest, width)
    label = truncate(bar.label, label_width).ljust(label_width)
    if not bar.total:
        return f"{label} {''.ljust(width)} {_('none'):>9}"
    figures = _(FIGURES[own]).format(
        freeable=f"{format_size(bar.freeable):>9}", total=format_size(bar.total)
    )
    return f"{label} {(frees + shared).ljust(width)} {figures}"


def _label_width(bars: Sequence[Bar], cap: int = 24) -> int:
    return min(cap, max((len(b.label) for b in bars), default=8))


REPOSITORY_LEGEND = N_(
    "█ frees if the repository is deleted whole, ░ shared with other repositories"
)
KIND_LEGEND = N_("█ only manifests of this kind hold it, ░ shared with another kind")


def picture_lines(
    report: SpaceReport, width: int = BAR_WIDTH, *, compact: bool = False
) -> list[str]:
    """The space by repository, then by kind, as character bars with their legends.
    `compact` (the pane's box): shorter labels, no words after the figures."""
    lines = [
        _("By repository ({REPOSITORY_LEGEND}):").format(REPOSITORY_LEGEND=_(REPOSITORY_LEGEND))
    ]
    largest = max((b.total for b in report.repositories), default=0)
    label = _label_width(report.repositories, 16 if compact else 24)
    own = "" if compact else "frees"
    lines += [f"  {bar_line(b, largest, label, width, own)}" for b in report.repositories]
    if not report.repositories:
        lines.append(_("  (no repository)"))
    lines += ["", _("By kind ({KIND_LEGEND}):").format(KIND_LEGEND=_(KIND_LEGEND))]
    largest = max((b.total for b in report.kinds), default=0)
    kinds = [replace(b, label=kind_label(b.label)) for b in report.kinds]
    label = _label_width(kinds)
    own = "" if compact else "own"
    lines += [f"  {bar_line(b, largest, label, width, own)}" for b in kinds]
    return lines


KIND_LABELS = {
    "images": N_("images"),
    "cache images": N_("cache images"),
    "attestations": N_("attestations"),
    "referrers": N_("referrers"),
    "untagged revisions": N_("untagged revisions"),
}
"""The space's kinds (data, English in --json) and their words (translate with `_`)."""


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def picture_text(report: SpaceReport, width: int = BAR_WIDTH, *, compact: bool = False) -> Text:
    """`picture_lines` as Rich text: the freeable part in the warning colour, the shared
    part muted (the characters already tell them apart without colour)."""
    text = Text()
    for line in picture_lines(report, width, compact=compact):
        if line.startswith("By "):
            text.append(line + "\n", style="bold")
            continue
        start, end = _run(line, FREES)
        shared_start, shared_end = _run(line, SHARED)
        text.append(line + "\n")
        offset = len(text) - len(line) - 1
        if end > start:
            text.stylize(FREES_STYLE, offset + start, offset + end)
        if shared_end > shared_start:
            text.stylize(SHARED_STYLE, offset + shared_start, offset + shared_end)
    return text


def _run(line: str, char: str) -> tuple[int, int]:
    start = line.find(char)
    if start < 0:
        return 0, 0
    end = start
    while end < len(line) and line[end] == char:
        end += 1
    return start, end


def row_words(row: SpaceRow) -> str:
    """The row's subject (a referrer's) and note, in one string."""
    return " · ".join(part for part in (row.subject, row.note) if part)


def ranking_lines(report: SpaceReport, limit: int | None = None) -> list[str]:
    rows = report.rows if limit is None else report.rows[:limit]
    name_width = min(48, max((len(r.label) for r in rows), default=10))
    frees, size, kind, name, note = (_(heading) for heading in RANKING_HEADINGS)
    lines = [f"  {frees:>9}  {size:>9}  {kind:<17} {name.ljust(name_width)}  {note}"]
    for row in rows:
        lines.append(
            f"  {format_size(row.frees):>9}  {format_size(row.size):>9}  "
            f"{truncate(kind_words(row.kind), 17):<17} "
            f"{truncate(row.label, name_width).ljust(name_width)}  {row_words(row)}".rstrip()
        )
    if limit is not None and len(report.rows) > limit:
        lines.append(
            _("  … {value} more (--json lists every row)").format(value=len(report.rows) - limit)
        )
    return lines


def what_if_line(what_if: WhatIf) -> str:
    names = ", ".join(str(s) for s in what_if.selections)
    added = (
        _(
            "; their own figures add up to {size}: blobs they share are counted once "
            "here, and only if nothing left needs them"
        ).format(size=format_size(what_if.rows_sum))
        if what_if.rows_sum and what_if.rows_sum != what_if.frees
        else ""
    )
    return ngettext(
        "Deleting {names} frees {size} ({blobs} blob) after a collection{added}",
        "Deleting {names} frees {size} ({blobs} blobs) after a collection{added}",
        what_if.blobs,
    ).format(names=names, size=format_size(what_if.frees), blobs=what_if.blobs, added=added)


def space_lines(
    report: SpaceReport,
    *,
    what_if: WhatIf | None = None,
    version: RegistryVersion | None = None,
    limit: int | None = None,
) -> list[str]:
    """`buildtui registry space` as text."""
    lines = [
        _(
            "Space of {registry}: {size} held (every blob counted once; what a garbage "
            "collection keeps now)"
        ).format(registry=report.registry, size=format_size(report.total)),
        "",
        _(
            "What deleting each frees after a garbage collection (bytes no remaining "
            "tag shares), largest first:"
        ),
        *ranking_lines(report, limit),
        "",
        *picture_lines(report),
    ]
    if what_if is not None:
        lines += ["", what_if_line(what_if)]
    if version is not None:
        lines += ["", _("Registry: {describe}").format(describe=version.describe())]
    if report.warnings:
        lines += ["", _("Note:")] + [f"  - {w}" for w in report.warnings]
    return lines


def _bar_json(bar: Bar) -> dict[str, Any]:
    return {"name": bar.label, "bytes": bar.total, "freeable": bar.freeable, "shared": bar.shared}


def row_json(row: SpaceRow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": row.key,
        "kind": row.kind,
        "repository": row.repository,
        "name": row.name,
        "digest": row.digest,
        "size": row.size,
        "frees": row.frees,
        "shared": row.shared,
        "selections": [str(s) for s in row.selections],
        "note": row.note,
    }
    if row.subject:
        body["subject"] = row.subject
    return body


def space_json(
    report: SpaceReport,
    *,
    what_if: WhatIf | None = None,
    version: RegistryVersion | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "registry": report.registry,
        "total_bytes": report.total,
        "untagged_listed": report.revisions_known,
        "rows": [row_json(r) for r in report.rows],
        "repositories": [_bar_json(b) for b in report.repositories],
        "kinds": [
            {"kind": b.label, "bytes": b.total, "only": b.freeable, "shared": b.shared}
            for b in report.kinds
        ],
        "referrers": [
            {
                "repository": r.repository,
                "digest": r.digest,
                "tags": list(r.tags),
                "subject": r.subject,
                "what": r.what,
                "found_by": r.found_by,
                "orphaned": r.orphaned,
            }
            for r in report.referrers
        ],
        "warnings": list(report.warnings),
    }
    if what_if is not None:
        body["what_if"] = {
            "selections": [str(s) for s in what_if.selections],
            "frees": what_if.frees,
            "blobs": what_if.blobs,
            "rows_sum": what_if.rows_sum,
        }
    if version is not None:
        body["version"] = {
            "version": version.number if version.version else None,
            "text": version.text,
            "source": version.source,
            "delete_untagged": version.deletes_untagged_safely,
        }
    return body


KIND_STYLES = {
    N_("cache image"): "bold warning",
    "untagged": "muted",
    "repository": "bold",
    N_("orphaned referrer"): "bold error",
    "referrer": "accent",
    "unreadable": "bold error",
}


ROW_KINDS = {
    "image": N_("image"),
    "cache image": N_("cache image"),
    "attestation": N_("attestation"),
    "artifact": N_("artifact"),
    "referrer": N_("referrer"),
    "orphaned referrer": N_("orphaned referrer"),
    "untagged": N_("untagged"),
    "unreadable": N_("unreadable"),
    "repository": N_("repository"),
}
"""A ranking row's kind (data, English in --json) and its words (translate with `_`)."""
RANKING_HEADINGS = (N_("FREES"), N_("SIZE"), N_("KIND"), N_("NAME"), N_("NOTE"))


def kind_words(kind: str) -> str:
    """A ranking row's kind in the current language."""
    return _(ROW_KINDS[kind]) if kind in ROW_KINDS else kind


def space_cells(row: SpaceRow, selected: bool | None) -> tuple[Text, ...]:
    """One ranking row in the pane: mark (● selected, ◐ part of a repository selected),
    name, kind, frees, size, note."""
    mark = Text("")
    if selected is True:
        mark = Text("●", style="bold error")
    elif selected is None:
        mark = Text("◐", style="bold error")
    return (
        mark,
        Text(truncate(row.label, NAME_WIDTH)),
        Text(truncate(kind_words(row.kind), 17), style=KIND_STYLES.get(row.kind, "")),
        Text(format_size(row.frees), justify="right", style=FREES_STYLE if row.frees else ""),
        Text(format_size(row.size), justify="right"),
        Text(truncate(row_words(row), ROW_NOTE_WIDTH)),
    )


def space_row_detail(row: SpaceRow) -> str:
    """The highlighted ranking row in full."""
    parts = [row.label, kind_words(row.kind)]
    if row.digest:
        parts.append(row.digest)
    parts.append(
        _("frees {size} of {size2}").format(
            size=format_size(row.frees), size2=format_size(row.size)
        )
        + (_(" ({size} shared)").format(size=format_size(row.shared)) if row.shared else "")
    )
    if row.subject:
        parts.append(row.subject)
    if row.note:
        parts.append(row.note)
    return " · ".join(parts)


def selection_key(selection: Selection) -> str:
    """The Clean-up pane's key for a selection: `repo:tag`, `repo (untagged)`, `repo@digest`."""
    if selection.untagged:
        return _("{repository} (untagged)").format(repository=selection.repository)
    if selection.digest and not selection.tag:
        return f"{selection.repository}@{selection.digest}"
    return f"{selection.repository}:{selection.tag}"


def what_if_summary(what_if: WhatIf, count: int) -> str:
    """The pane's line under the ranking: what the selection frees together."""
    if not count:
        return ""
    added = (
        _(
            " (the rows add up to {size}: shared blobs count once, and only when "
            "nothing left needs them)"
        ).format(size=format_size(what_if.rows_sum))
        if what_if.rows_sum != what_if.frees
        else ""
    )
    return _("{count} selected: together they free {size} after a collection{added}").format(
        count=count, size=format_size(what_if.frees), added=added
    )


def retention_lines(choice: RetentionChoice) -> list[str]:
    """The rules' decisions: each image (its tags) kept or deleted, its date and source."""
    lines = [
        _("Rules for {repository}: {rules}").format(
            repository=choice.repository, rules=choice.rules
        )
    ]
    for decision in choice.decisions:
        mark = "keep  " if decision.keep else "DELETE"
        source = f" ({_(SOURCE_WORDS[decision.source])})" if decision.source else ""
        lines.append(
            f"  {mark} {', '.join(decision.tags)}  {iso_date(decision.when)}{source}: "
            f"{decision.reason}"
        )
    if not choice.deleted_tags:
        lines.append(_("  no tag to delete: the rules keep every image"))
    return lines


def retention_text(choice: RetentionChoice) -> Text:
    """`retention_lines` for the pane: what goes in the loss style, the heading bold."""
    text = Text()
    for index, line in enumerate(retention_lines(choice)):
        style = "bold" if index == 0 else "bold error" if line.startswith("  DELETE") else ""
        text.append(line + "\n", style=style)
    return text


def retention_json(choice: RetentionChoice) -> dict[str, Any]:
    return {
        "repository": choice.repository,
        "rules": {
            "keep_last": choice.rules.keep_last,
            "older_than_seconds": choice.rules.older_than,
            "untagged": choice.rules.untagged,
        },
        "images": [
            {
                "tags": list(d.tags),
                "digest": d.digest,
                "keep": d.keep,
                "reason": d.reason,
                "date": iso_date(d.when) if d.when is not None else None,
                "date_source": d.source or None,
            }
            for d in choice.decisions
        ],
        "deleted_tags": list(choice.deleted_tags),
        "kept_tags": list(choice.kept_tags),
    }
