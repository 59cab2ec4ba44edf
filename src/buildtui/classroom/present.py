"""The class and a submission in words: the command-line twins and the Class pane say the
same, through the lab's translator. Pure.

Everything from a submission is a student's data: the widgets make it screen text, and
the twins' output layer shows its control characters as visible escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from buildtui.classroom.bundle import Earlier
from buildtui.classroom.checks import when
from buildtui.classroom.service import ClassRow
from buildtui.i18n import decimal, language
from buildtui.lab.checklist import short_title
from buildtui.registry.present import format_size
from buildtui.untrusted import visible

Translate = Callable[[str], str]
ITEM_KEYS = (
    "platforms",
    "builder",
    "registry",
    "pushed",
    "exported",
    "cache-export",
    "cache-import",
    "cache-size",
    "bonus",
)


def item_name(key: str, number: int, _: Translate) -> str:
    """An item's short title (ours, never the submission's words), with its number."""
    title = short_title(key, _) if key in ITEM_KEYS else key
    return f"{number}. {title}"


def submitted_at(row: ClassRow) -> str:
    """When it was submitted, short (`12-07 14:05`, in Polish `7.12 14:05`; the details
    give the whole time)."""
    summary = row.submission.summary
    manifest = row.submission.manifest
    at = summary.created if summary else (manifest.created if manifest else None)
    if at is None:
        return ""
    shown = when(at)[5:16].replace("T", " ")
    if language() == "pl" and shown[:5].replace("-", "").isdigit():
        month, day = shown[:5].split("-")
        return f"{int(day)}.{month}{shown[5:]}"
    return shown


def numbers_text(numbers: Sequence[int]) -> str:
    """Item numbers with runs written as ranges: `2, 4-9`."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(
        str(run[0])
        if len(run) == 1
        else f"{run[0]}-{run[-1]}"
        if len(run) > 2
        else f"{run[0]}, {run[1]}"
        for run in runs
    )


@dataclass(frozen=True)
class RowCells:
    student: str
    submitted: str
    progress: str
    not_done: str
    evidence: str
    level: str
    """ok, warning (something to look at) or error (unreadable, copied, gone)."""


def row_cells(row: ClassRow, _: Translate) -> RowCells:
    """The cells of a submission's row in the class list."""
    sub = row.submission
    if sub.problem is not None or sub.summary is None:
        return RowCells(
            sub.student,
            submitted_at(row),
            "",
            "",
            _("Refused: {problem}").format(problem=sub.problem or _("unreadable")),
            "error",
        )
    summary = sub.summary
    not_done = numbers_text([item.number for item in summary.not_done]) or "-"
    return RowCells(
        sub.student,
        submitted_at(row),
        f"{summary.done}/{summary.total}",
        not_done,
        *evidence_cell(row, _),
    )


def evidence_cell(row: ClassRow, _: Translate) -> tuple[str, str]:
    """The evidence check in a few words (what is wrong first), and its level."""
    problems: list[str] = []
    level = "ok"
    served = row.served
    if row.shared:
        others = sorted({other for shared in row.shared for other in shared.others})
        problems.append(_("copied? same builds as {others}").format(others=", ".join(others)))
        level = "error"
    if served is not None and served.gone:
        problems.append(_("cited digests gone: {count}").format(count=len(served.gone)))
        level = "error"
    if row.disagreements:
        problems.append(_("disagreements: {count}").format(count=len(row.disagreements)))
        level = "error" if level == "error" else "warning"
    if served is None:
        check = _("checking the digests…")
    elif served.served or served.deleted or served.gone:
        total = served.served + served.deleted + len(served.gone) + served.unknown
        check = _("digests served: {served} of {total}").format(served=served.served, total=total)
    elif served.not_reachable is not None:
        check = _("lab registry not reachable")
    else:
        check = _("no digest to check")
    return "; ".join([*(problems or [_("consistent")]), check]), level


def row_details(row: ClassRow, class_ref: str, cli: str, _: Translate) -> list[str]:
    """Everything the class view knows about one submission, a line each."""
    sub = row.submission
    lines = [_("Student: {name}").format(name=sub.student), _("Tag: {tag}").format(tag=sub.tag)]
    if sub.digest:
        lines.append(_("Digest: {digest}").format(digest=sub.digest))
    if sub.problem is not None or sub.summary is None:
        lines.append(_("Refused: {problem}").format(problem=sub.problem or _("unreadable")))
        return lines
    summary = sub.summary
    lines += [
        _("Submitted: {when}").format(when=when(summary.created)),
        _("Made by buildtui {version}, report in {language}").format(
            version=summary.buildtui, language=summary.language
        ),
        _("Lab registry: {host}").format(host=summary.lab_host),
        _("Progress: {done}/{total}").format(done=summary.done, total=summary.total),
    ]
    if summary.not_done:
        lines.append(_("Not done:"))
        lines += [f"  {item_name(i.key, i.number, _)}" for i in summary.not_done]
    lines.append(_("Evidence:"))
    if row.disagreements:
        lines += [f"  ! {text}" for text in row.disagreements]
    else:
        lines.append("  " + _("Its records, builds and items agree with each other."))
    for shared in row.shared:
        build = shared.build
        lines.append(
            "  ! "
            + _(
                "Build {id} (started {started}) is also in the submission of {others}: the "
                "same id, start and digests. One of them copied it."
            ).format(id=build.id, started=build.started_text, others=", ".join(shared.others))
        )
    for build in sub.builds:
        if build.imported is not None:
            lines.append(
                "  "
                + _(
                    "Build {id} was imported ({origin}): it did not run on this student's machine."
                ).format(id=build.id, origin=build.imported)
            )
    lines += served_lines(row, _)
    if summary.earlier:
        lines.append(_("Earlier submissions, reachable by digest:"))
        lines += [earlier_line(e) for e in summary.earlier]
    lines.append(_("Save it: {command}").format(command=get_command(cli, class_ref, sub.tag)))
    return lines


def earlier_line(earlier: Earlier) -> str:
    progress = f"  {earlier.progress}" if earlier.progress else ""
    return f"  {when(earlier.created)}{progress}  {earlier.digest}"


def served_lines(row: ClassRow, _: Translate) -> list[str]:
    served = row.served
    if served is None:
        return ["  " + _("The cited digests are being checked…")]
    lines = []
    if served.not_reachable is not None:
        lines.append("  " + served.not_reachable)
    total = served.served + len(served.gone) + served.deleted + served.unknown
    if served.served or served.gone or served.deleted:
        lines.append(
            "  "
            + _(
                "Of {total} cited digests, {served} are still served, {deleted} were deleted "
                "as its records say, {gone} are gone, {unknown} could not be asked."
            ).format(
                total=total,
                served=served.served,
                deleted=served.deleted,
                gone=len(served.gone),
                unknown=served.unknown,
            )
        )
    for gone in served.gone:
        lines.append(
            "  ! "
            + _("{ref}@{digest} ({kind}, cited by {by}) is gone from its registry.").format(
                ref=f"{gone.registry}/{gone.repository}",
                digest=gone.digest,
                kind=_("blob") if gone.blob else _("manifest"),
                by=", ".join(gone.cited_by),
            )
        )
    return lines


def get_command(cli: str, class_ref: str, tag: str) -> str:
    return f"{cli} class get {tag} --class {class_ref} --out {tag}"


def class_lines(rows: Sequence[ClassRow], _: Translate) -> list[str]:
    """The class as a table of text (`buildtui class ls`)."""
    if not rows:
        return [_("No submission yet.")]
    cells = [row_cells(row, _) for row in rows]
    header = (_("Student"), _("Submitted"), _("Done"), _("Not done"), _("Evidence"))
    table = [header, *((c.student, c.submitted, c.progress, c.not_done, c.evidence) for c in cells)]
    widths = [min(max(len(r[i]) for r in table), 30) for i in range(4)]
    out = []
    for line in table:
        head = "  ".join(cell[:30].ljust(width) for cell, width in zip(line, widths, strict=False))
        out.append(f"{head}  {line[4]}")
    return out


def submit_lines(result: Any, _: Translate) -> list[str]:
    """What `lab submit` says once the submission is in the class's registry."""
    bundle = result.bundle
    uploaded = sum(result.uploaded)
    lines = [
        _("Submitted the lab of {name} to {ref}.").format(
            name=result.student.name, ref=result.reference
        )
    ]
    if result.student.mapped:
        lines.append(
            _(
                "Your name is tagged {tag}: a tag holds only ASCII letters, digits, _ . and -."
            ).format(tag=result.student.tag)
        )
    lines += [
        _("Digest: {digest}").format(digest=result.digest),
        _(
            "Progress: {progress}; {files} files, {size} ({uploaded} uploaded, {kept} "
            "already there)."
        ).format(
            progress=bundle.progress,
            files=len(bundle.files),
            size=decimal(_, format_size(bundle.size)),
            uploaded=uploaded,
            kept=len(bundle.files) - uploaded,
        ),
    ]
    if result.replaced_other:
        lines.append(
            _("It replaced what the tag held before: {what}.").format(what=result.replaced_other)
        )
    if result.earlier:
        lines.append(
            _(
                "It replaces your submission of {when}; each earlier one stays in the registry "
                "by digest:"
            ).format(when=when(result.earlier[0].created))
        )
        lines += [earlier_line(e) for e in result.earlier]
    return lines


def submit_json(result: Any) -> dict[str, Any]:
    bundle = result.bundle
    return {
        "ok": True,
        "ref": result.reference,
        "registry": result.ref.registry,
        "repository": result.ref.repository,
        "tag": result.student.tag,
        "student": result.student.name,
        "mapped": result.student.mapped,
        "digest": result.digest,
        "created": when(bundle.created),
        "progress": bundle.progress,
        "size": bundle.size,
        "files": [
            {
                "name": one.name,
                "media_type": one.media_type,
                "digest": one.digest,
                "size": one.size,
                "uploaded": uploaded,
            }
            for one, uploaded in zip(bundle.files, result.uploaded, strict=True)
        ],
        "earlier": [earlier_json(e) for e in result.earlier],
        "replaced_other": result.replaced_other,
    }


def earlier_json(earlier: Earlier) -> dict[str, Any]:
    return {
        "digest": earlier.digest,
        "created": when(earlier.created),
        "progress": earlier.progress,
    }


def class_json(rows: Sequence[ClassRow], class_ref: str, cut: str | None) -> dict[str, Any]:
    """`class ls --json`."""
    body: dict[str, Any] = {"class": class_ref, "submissions": [row_json(r) for r in rows]}
    if cut:
        body["truncated"] = cut
    return body


def row_json(row: ClassRow) -> dict[str, Any]:
    sub = row.submission
    body: dict[str, Any] = {"tag": sub.tag, "digest": sub.digest, "student": sub.student}
    if sub.problem is not None or sub.summary is None:
        body["error"] = sub.problem or "unreadable"
        return body
    summary = sub.summary
    served = row.served
    body.update(
        {
            "submitted": when(summary.created),
            "done": summary.done,
            "total": summary.total,
            "not_done": [{"number": i.number, "key": i.key} for i in summary.not_done],
            "lab_registry": summary.lab_host,
            "disagreements": list(row.disagreements),
            "shared_builds": [
                {"build": s.build.id, "started": s.build.started_text, "with": list(s.others)}
                for s in row.shared
            ],
            "digests": None
            if served is None
            else {
                "served": served.served,
                "deleted": served.deleted,
                "unknown": served.unknown,
                "gone": [
                    {
                        "registry": g.registry,
                        "repository": g.repository,
                        "digest": g.digest,
                        "kind": "blob" if g.blob else "manifest",
                        "cited_by": list(g.cited_by),
                    }
                    for g in served.gone
                ],
                "not_reachable": served.not_reachable,
            },
            "earlier": [earlier_json(e) for e in summary.earlier],
        }
    )
    return body


REPORT_LINES = 5000
"""Lines of a submitted report the app shows at most (`class get` saves it whole)."""
LINE_MAX = 2000
"""Characters of one line the app shows at most (a report or a detail)."""


def report_text(markdown: str, _: Translate) -> Text:
    """A submitted Markdown report as the app shows it: its lines as they are (data,
    never parsed as markup), headings in bold and code blocks muted."""
    text = Text()
    lines = markdown.splitlines()
    fence: str | None = None
    for raw in lines[:REPORT_LINES]:
        # Rich drops some control characters from what it is given: each is shown first.
        line = visible(raw if len(raw) <= LINE_MAX else raw[:LINE_MAX] + "…")
        stripped = line.lstrip()
        if fence is not None:
            text.append(line + "\n", style="muted")
            if stripped.startswith(fence):
                fence = None
        elif stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            text.append(line + "\n", style="muted")
        elif stripped.startswith("#"):
            text.append(line + "\n", style="bold accent" if stripped.startswith("# ") else "bold")
        else:
            text.append(line + "\n")
    if len(lines) > REPORT_LINES:
        text.append(
            _(
                "The report has {count} lines; the first {shown} are shown. `class get` saves "
                "it whole."
            ).format(count=f"{len(lines):,}", shown=f"{REPORT_LINES:,}"),
            style="warning",
        )
    return text
