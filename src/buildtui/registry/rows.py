"""Registry rows and summaries as semantic cells, for the pane and its command-line twin.

A cell is text with a semantic style ("error", "success", "warning", "accent", "primary",
"bold", "italic", "dim" and combinations such as "bold error"): the pane turns the
names into the current theme's colours, the command line prints the text. `tag_row`
is the one reading of a tag for both (`row_cells` for the pane's table, `scan_lines`
for `buildtui registry ls`), so a change in one shows in the other; `report_details`
(the pane) and `report_text` (`buildtui inspect`) summarise a tag from the same parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from buildtui.i18n import N_, _, ngettext
from buildtui.l10n import count
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.errors import AuthError, RegistryError, TLSError, Unreachable
from buildtui.registry.models import Kind, kind_word
from buildtui.registry.outline import outline_lines, report_outline
from buildtui.registry.present import cache_summary, format_size, short_digest
from buildtui.registry.scan import (
    ImageReport,
    RegistryScan,
    RepositoryListing,
    ScanProgress,
    SharedBlob,
    TagEntry,
    platforms_text,
)
from buildtui.registry.tally import TagSummary


@dataclass(frozen=True)
class Styled:
    """Text and its semantic style (empty: plain)."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class TagRow:
    """One tag as the pane's table and `registry ls` show it."""

    tag: str
    kind: str = ""
    """The kind of its manifest (`index`, `image`, `cache` ...); empty when not read."""
    platforms: str = ""
    size: str = ""
    digest: str = ""
    damaged: str | None = None
    """Why the tag is damaged (index entries that cannot be read), or None."""
    error: str | None = None
    """Why the tag could not be read, or None."""

    @property
    def pending(self) -> bool:
        """Not read yet (the pane shows it while the tag is inspected)."""
        return not self.kind and self.error is None


def tag_row(tag: str, report: ImageReport | TagSummary | None, error: str | None = None) -> TagRow:
    """The one reading of a tag: its report (or what a scan kept of it), else why it
    failed, else still pending."""
    if report is not None:
        seen = report.summary() if isinstance(report, ImageReport) else report
        # Entries not read yet (a large index, read on demand) are not in the size.
        at_least = "≥ " if seen.unread else ""
        return TagRow(
            tag,
            seen.kind.value,
            platforms_text(seen.platforms) or "-",
            f"{at_least}{format_size(seen.size)}",
            short_digest(seen.digest),
            damaged=seen.damaged,
        )
    return TagRow(tag, error=error)


def entry_row(entry: TagEntry) -> TagRow:
    """A scanned tag's row."""
    return tag_row(entry.tag, entry.report or entry.summary, entry.error)


TAG_COLUMNS = ("tag", "kind", "platforms", "size", "digest")
"""The keys of the pane's tag table, in the order of `row_cells`."""
TAG_HEADINGS = {
    "tag": N_("TAG"),
    "kind": N_("KIND"),
    "platforms": N_("PLATFORMS"),
    "size": N_("SIZE"),
    "digest": N_("DIGEST"),
}
"""The tag table's headings (English: translate with `_`)."""


def row_cells(row: TagRow) -> tuple[Styled, ...]:
    """The pane's cells: TAG, KIND (`error`, `… ` while pending, `index damaged`),
    PLATFORMS, SIZE, DIGEST."""
    if row.kind:
        kind = (
            Styled(_("{kind} damaged").format(kind=kind_word(row.kind)), "bold error")
            if row.damaged
            else Styled(kind_word(row.kind))
        )
    elif row.error is not None:
        kind = Styled(_("error"), "bold error")
    else:
        kind = Styled("…", "dim")
    return (
        Styled(row.tag),
        kind,
        Styled(row.platforms),
        Styled(row.size),
        Styled(row.digest),
    )


def fit(text: str, width: int = 60) -> str:
    """A name from the registry, cut to fit a line (a hostile catalog can send anything)."""
    return text if len(text) <= width else f"{text[: width - 1]}…"


def scan_header() -> str:
    """`registry ls`'s headings."""
    return (
        f"{_('REPOSITORY:TAG'):<40} {_('KIND'):<11} {_('SIZE'):>9}  {_('DIGEST'):<19}  "
        f"{_('PLATFORMS')}"
    )


def scan_lines(repository: str, row: TagRow) -> list[str]:
    """`registry ls` lines of a tag: its row, and why it is damaged or could not be read."""
    label = fit(f"{repository}:{row.tag}")
    if not row.kind:
        return [f"{label:<40} ! {row.error}"]
    kind = kind_word(row.kind)
    lines = [f"{label:<40} {kind:<11} {row.size:>9}  {row.digest:<19}  {row.platforms}"]
    if row.damaged:
        lines.append(f"{'':<40} ! " + _("damaged: {why}").format(why=row.damaged))
    return lines


def scan_summary(scan: RegistryScan) -> str:
    """`12 tags in 3 repositories, 4.1 MB of unique blobs (2 blobs shared ...); 1 damaged`."""
    shared = scan.shared_count
    damaged = sum(1 for e in scan.entries() if e.damaged)
    tags = len(scan.entries())
    text = ngettext(
        "{tags} tag in {repositories} repositories, {size} of unique blobs",
        "{tags} tags in {repositories} repositories, {size} of unique blobs",
        tags,
    ).format(
        tags=count(tags),
        repositories=count(len(scan.repositories)),
        size=format_size(scan.unique_size),
    )
    if shared:
        text += " " + ngettext(
            "({count} blob shared between tags)", "({count} blobs shared between tags)", shared
        ).format(count=count(shared))
    if damaged:
        text += "; " + _("{count} damaged").format(count=damaged)
    return text


def repository_lines(listing: RepositoryListing) -> list[str]:
    """`registry ls` lines of one repository: its tags, and why its list failed or stops."""
    name = listing.name
    lines = []
    if listing.error is not None:
        lines.append(f"{fit(name):<40} ! {listing.error}")
    for entry in listing.entries:
        lines += scan_lines(name, entry_row(entry))
    if listing.cut is not None:
        lines.append(f"{fit(name):<40} ! {listing.cut}")
    return lines


def scan_end_lines(scan: RegistryScan) -> list[str]:
    """`registry ls` after its repositories: the summary, or that there is none."""
    if not scan.repositories:
        lines = [_("{registry}: no repositories").format(registry=scan.registry)]
    else:
        lines = ["", scan_summary(scan)]
    if scan.catalog_cut:
        lines.append(f"! {scan.catalog_cut}")
    return lines


def scan_text(scan: RegistryScan) -> str:
    """`buildtui registry ls`: every repository and tag, and a summary line."""
    lines = [scan_header()] if scan.repositories else []
    for name, entries in scan.repositories.items():
        listing = RepositoryListing(name, entries, scan.errors.get(name), scan.tags_cut.get(name))
        lines += repository_lines(listing)
    return "\n".join(lines + scan_end_lines(scan))


def progress_text(progress: ScanProgress) -> str:
    """How far a scan is, in one line: `1,234 of 30,000 tags read (…)`."""
    if not progress.catalog_done:
        return _(
            "Reading the catalog: {repositories} repositories so far; {read} tags read"
        ).format(repositories=count(progress.repositories), read=count(progress.read))
    if progress.listed < progress.repositories:
        return _(
            "{read} of {tags} tags read so far; the tags of {listed} of {repositories} "
            "repositories listed"
        ).format(
            read=count(progress.read),
            tags=count(progress.tags),
            listed=count(progress.listed),
            repositories=count(progress.repositories),
        )
    return _("{read} of {tags} tags read in {repositories} repositories").format(
        read=count(progress.read),
        tags=count(progress.tags),
        repositories=count(progress.repositories),
    )


def registry_title(registry: str, repositories: int, cut: bool, *, reading: bool = False) -> str:
    """The pane's title: `Registry localhost:5000 · 3 repositories (list cut short)`, or
    while the catalog comes: `… · reading the catalog: 12,000 repositories so far…`."""
    if reading:
        return _("Registry {registry} · reading the catalog: {count} repositories so far…").format(
            registry=registry, count=count(repositories)
        )
    title = _("Registry {registry}").format(registry=registry)
    if repositories:
        title += " · " + ngettext(
            "{count} repository", "{count} repositories", repositories
        ).format(count=count(repositories))
    return title + (" " + _("(list cut short)") if cut else "")


def tags_read_text(read: int, tags: int, cut: bool) -> str | None:
    """Under the pane's tags: `12 of 100 read` while they are read, `cut short` if the
    list is; nothing once every tag is read."""
    parts = []
    if read < tags:
        parts.append(_("{read} of {tags} read").format(read=count(read), tags=count(tags)))
    if cut:
        parts.append(_("cut short"))
    return " · ".join(parts) or None


def hint_for(error: RegistryError) -> str:
    """What keys help in the pane after an error, besides the error's own advice."""
    if isinstance(error, AuthError):
        return _("Press l to log in, o to open another registry, r to retry.")
    if isinstance(error, Unreachable | TLSError):
        return _("Press r to retry, o to open another registry.")
    return _("Press r to refresh.")


def error_message(what: str, error: RegistryError) -> tuple[Styled, ...]:
    """The pane's message after a failed read: what, why, and which keys help."""
    return (
        Styled(
            (_("Cannot read {what}:").format(what=what) if what else _("Cannot read the registry:"))
            + " ",
            "bold error",
        ),
        Styled(str(error)),
        Styled(f"\n{hint_for(error)}", "italic"),
    )


def shared_note(shared: tuple[SharedBlob, ...]) -> str:
    """`2 blobs (32 B) are shared: ...`, or an empty string."""
    if not shared:
        return ""
    total = sum(blob.size for blob in shared)
    parts = [
        _("{digest} by {users}").format(digest=short_digest(b.digest), users=", ".join(b.users))
        for b in shared[:4]
    ]
    text = ngettext(
        "{count} blob is shared ({size}, counted once): {blobs}",
        "{count} blobs are shared ({size}, counted once): {blobs}",
        len(shared),
    ).format(count=len(shared), size=format_size(total), blobs="; ".join(parts))
    if len(shared) > 4:
        text += " " + _("and {count} more").format(count=len(shared) - 4)
    return text


def report_details(
    report: ImageReport, breakdown: CacheBreakdown | None, commands: list[str]
) -> tuple[Styled, ...]:
    """The pane's summary under the tree: size, cache, created, shared blobs, problems and
    the docker commands that show the same."""
    parts = [
        Styled(_("Size") + " ", "bold"),
        Styled(_("{size} compressed, each blob once").format(size=format_size(report.unique_size))),
    ]
    per_platform = [f"{report.label(c)} {format_size(c.size)}" for c in report.images]
    if per_platform:
        parts.append(Styled(f" ({'; '.join(per_platform)})"))
    if report.kind is Kind.CACHE:
        parts.append(Styled("\n" + _("Cache") + " ", "bold"))
        if breakdown is None:
            parts.append(Styled(cache_summary(report, None)))
            parts.append(Styled(" " + _("(comparing with the registry's images…)"), "dim"))
        else:
            parts.append(Styled(cache_summary(report, breakdown)))
            parts.append(
                Styled(
                    "; "
                    + _("deleting it frees only the {size} of cache-only bytes").format(
                        size=format_size(breakdown.cache_only_bytes)
                    )
                )
            )
    if report.config and report.config.created:
        parts += [Styled("\n" + _("Created") + " ", "bold"), Styled(report.config.created)]
    note = shared_note(report.shared_blobs)
    if note:
        parts += [Styled("\n" + _("Shared") + " ", "bold"), Styled(note)]
    parts += [Styled(f"\n! {problem}", "error") for problem in report.errors]
    parts.append(Styled("\n" + _("Same as"), "bold"))
    parts += [Styled(f"\n  $ {command}", "italic") for command in commands]
    return tuple(parts)


def _field(label: str, value: str) -> str:
    """`Platforms:  linux/amd64`: a label, then its value at column 12 (as imagetools)."""
    return f"{label:<12}{value}"


def report_text(
    report: ImageReport, commands: list[str], breakdown: CacheBreakdown | None = None
) -> str:
    """`buildtui inspect REF`: the pane's details as text, its tree with every node shown."""
    manifest = report.manifest
    lines = [
        f"Name:       {report.ref}",
        f"MediaType:  {manifest.media_type}",
        f"Digest:     {manifest.digest}",
        _field(_("Kind:"), kind_word(manifest.kind))
        + (f" ({manifest.note})" if manifest.note else ""),
        _field(_("Platforms:"), report.badge),
        _field(
            _("Size:"),
            _("{size} compressed, every blob counted once").format(
                size=format_size(report.unique_size)
            ),
        ),
    ]
    if manifest.artifact_type:
        lines.append(_field(_("Artifact:"), manifest.artifact_type))
    if report.config and report.config.created:
        lines.append(_field(_("Created:"), report.config.created))
    if report.kind is Kind.CACHE:
        summary = cache_summary(report, breakdown)
        if summary:
            lines.append(_field(_("Cache:"), summary))
        if breakdown is not None:
            lines.append(
                _field(
                    "",
                    _("deleting this cache frees only its {size} of cache-only bytes").format(
                        size=format_size(breakdown.cache_only_bytes)
                    ),
                )
            )
    lines += ["", _("Tree:"), *outline_lines(report_outline(report, breakdown), "  ")]
    shared = report.shared_blobs
    if shared:
        lines += ["", _("Shared blobs (counted once):")]
        lines += [
            f"  {short_digest(b.digest, 16)} {format_size(b.size):>9}  {', '.join(b.users)}"
            for b in shared
        ]
    lines += ["", _("Same as:")] + [f"  {command}" for command in commands]
    return "\n".join(lines)
