"""The lab report, the unit a teacher grades: who, when, on what engine; a summary of
the nine items; the lab as a dated sequence with the order it needs checked; the
Dockerfile used; each item's evidence, traced to this student's records (build ids,
record ids, digests) with the lines of each build's log that prove it; the collector's
proof lines for the deleted cache's blobs; and, at the end, each digest it cites
re-checked against the registry when the report is made.

Pure: what it needs to read (logs, Dockerfiles, the registry's answers) comes in a
`ReportReads`. `report_render` writes it as Markdown or one HTML file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from buildtui import __version__, l10n
from buildtui.buildlog.explain import explain_texts
from buildtui.builds.evidence import BuildEvidence
from buildtui.builds.history import BuildEntry
from buildtui.builds.options import shown_command
from buildtui.i18n import decimal, language_of, ngettext, speaking
from buildtui.lab import excerpts
from buildtui.lab.build_items import collection_of, freed_line, own_deletions
from buildtui.lab.checklist import Guide, Item, Observations, Status, Translate
from buildtui.lab.evidence import imagetools_listing, kept_cache_size, two_platform_image
from buildtui.lab.report_blocks import Block
from buildtui.lab.report_pictures import build_pictures
from buildtui.lab.timeline import duration, order_checks, state_text, timeline
from buildtui.lab_records import (
    CacheSizeRecord,
    CollectionRecord,
    DeletionRecord,
    blob_of_line,
    iso_time,
)
from buildtui.registry.present import format_size

FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
"""The suffixes the report can be written as, and the format each means."""
Served = tuple[str, str, bool]
"""(repository, digest, is a blob)."""
PURPOSES = {
    "pushed": (excerpts.PUSH,),
    "exported": (excerpts.EXPORT,),
    "cache-export": (excerpts.CACHE_EXPORT, excerpts.PUSH),
    "cache-import": (excerpts.CACHE_IMPORT, excerpts.CACHED, excerpts.CACHE_EXPORT),
    "cache-size": (excerpts.CACHE_EXPORT,),
}
"""The lines of a build's log each item's evidence needs."""


@dataclass(frozen=True)
class ReportReads:
    """What the report reads besides the observations (the service fills it in)."""

    log_of: Callable[[int], str] = lambda _id: ""
    evidence_of: Callable[[int], BuildEvidence | None] = lambda _id: None
    served: Mapping[Served, bool | None] = field(default_factory=dict)
    """The registry's answer for each cited digest at report time."""
    student: str | None = None
    made_at: float | None = None


def status_text(status: Status, _: Translate) -> str:
    return {
        Status.DONE: _("done"),
        Status.ACCEPTED: _("accepted"),
        Status.TODO: _("not done yet"),
        Status.ATTENTION: _("needs attention"),
    }[status]


def mark(status: Status) -> str:
    return "✓" if status.ticked else ("!" if status is Status.ATTENTION else "✗")


def cited(guide: Guide, obs: Observations) -> list[Served]:
    """Every digest the report cites that the registry can be asked about: the items'
    manifests, then the blobs of the cache image compared in item 8."""
    host = obs.registry_host
    wanted: dict[Served, None] = {}
    for item in guide.items:
        for ref, digest in item.digests:
            if ref.startswith(host + "/") and digest:
                name = ref[len(host) + 1 :].split("@")[0]
                repository = name.rsplit(":", 1)[0] if ":" in name else name
                wanted[(repository, digest, False)] = None
    seen = compared_cache(guide.item("cache-size"), obs)
    if seen is not None and seen.cache_ref.startswith(host + "/"):
        repository = seen.cache_ref[len(host) + 1 :].rsplit(":", 1)[0]
        for digest, _size in seen.blobs:
            wanted[(repository, digest, True)] = None
    return list(wanted)


def compared_cache(item: Item, obs: Observations) -> CacheSizeRecord | None:
    """The comparison item 8 rests on (its record), else the last one kept."""
    for record_id in item.records:
        record = obs.records.by_id(record_id)
        if isinstance(record, CacheSizeRecord):
            return record
    return kept_cache_size(obs)


def build_blocks(guide: Guide, obs: Observations, reads: ReportReads, _: Translate) -> list[Block]:
    """The report's blocks in `_`'s language (what they quote from elsewhere, a build
    error's explanation or a count, speaks it too)."""
    with speaking(language_of(_)):
        return _report_blocks(guide, obs, reads, _)


def _report_blocks(
    guide: Guide, obs: Observations, reads: ReportReads, _: Translate
) -> list[Block]:
    made = reads.made_at if reads.made_at is not None else time.time()
    blocks = [Block("heading", (_("Laboratory 7: report"),), 1)]
    blocks.append(Block("bullets", _header(guide, obs, reads, made, _)))
    blocks.append(Block("heading", (_("Summary"),), 2))
    blocks.append(Block("table", rows=_summary(guide, _)))
    blocks += _timeline_blocks(guide, obs, _)
    builds = {b.id: b for b in obs.builds}
    blocks += _dockerfiles(guide, builds, reads, _)
    for item in guide.items:
        blocks += _item_blocks(item, obs, builds, reads, _)
    blocks += _errors(obs.builds, _)
    blocks += _still_served(guide, obs, reads, _)
    # Its own module (it draws bars from the clean-up's space model): imported here.
    from buildtui.lab.report_space import space_blocks

    blocks += space_blocks(obs, _)
    return blocks


def _header(
    guide: Guide, obs: Observations, reads: ReportReads, made: float, _: Translate
) -> tuple[str, ...]:
    engine = obs.engine
    student = reads.student or _("(not given: --student NAME or the `student` setting)")
    lines = [
        _("Student: {name}").format(name=student),
        _("Date: {when}").format(when=l10n.long_date_time(made)),
        _("Made by buildtui {version}").format(version=__version__),
        _("Registry: {host} (container {container})").format(
            host=obs.registry_host, container=obs.registry_container
        ),
    ]
    if engine is not None and engine.server_version:
        lines.append(
            _("Docker Engine {version}, image store: {store}").format(
                version=engine.server_version, store=engine.image_store or "?"
            )
        )
    else:
        lines.append(_("Docker Engine: not answering when the report was made"))
    if engine is not None and engine.buildx_version:
        lines.append(_("buildx {version}").format(version=engine.buildx_version))
    used = sorted(
        {
            f"{b.summary.builder} ({b.summary.driver})"
            for b in obs.builds
            if b.summary.builder and any(b.id in i.build_ids for i in guide.items)
        }
    )
    builders = obs.builders
    current = builders.get(builders.current) if builders and builders.current else None
    if current is not None:
        lines.append(
            _("Builder in use: {name} ({driver})").format(name=current.name, driver=current.driver)
        )
    if used:
        lines.append(_("Builders of the cited builds: {names}").format(names=", ".join(used)))
    lines.append(_("Progress: {progress}").format(progress=guide.progress))
    return tuple(lines)


def _summary(guide: Guide, _: Translate) -> tuple[tuple[str, ...], ...]:
    rows = [(_("#"), _("Step"), _("Status"), _("Proven"), _("Evidence"))]
    for item in guide.items:
        first = item.evidence[0] if item.evidence else (item.note or "")
        rows.append(
            (
                str(item.number),
                item.title,
                f"{mark(item.status)} {status_text(item.status, _)}",
                iso_time(item.proven_at) if item.proven_at is not None else "",
                first,
            )
        )
    return tuple(rows)


def _timeline_blocks(guide: Guide, obs: Observations, _: Translate) -> list[Block]:
    events = timeline(obs, guide.items, _)
    blocks = [Block("heading", (_("Timeline"),), 2)]
    if not events:
        return [*blocks, Block("text", (_("Nothing recorded yet."),))]
    rows = [(_("When"), _("Took"), _("Record"), _("What"))]
    rows += [(e.iso, duration(e.seconds, _), e.id, e.text) for e in events]
    blocks.append(Block("table", rows=tuple(rows)))
    checks = order_checks(obs, guide.items, _)
    if checks:
        blocks.append(Block("heading", (_("The order the lab needs"),), 3))
        blocks.append(Block("checks", rows=tuple(("✓" if c.ok else "✗", c.text) for c in checks)))
    return blocks


def _dockerfiles(
    guide: Guide, builds: Mapping[int, BuildEntry], reads: ReportReads, _: Translate
) -> list[Block]:
    ids = sorted({b for item in guide.items for b in item.build_ids if b in builds})
    found: dict[str, tuple[str, str, list[int]]] = {}
    """SHA-256 of the text -> (path, text, the builds that used it)."""
    for build_id in ids:
        evidence = reads.evidence_of(build_id)
        if evidence is None or evidence.dockerfile_text is None:
            continue
        text = evidence.dockerfile_text
        digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        found.setdefault(digest, (evidence.dockerfile or "Dockerfile", text, []))[2].append(
            build_id
        )
    blocks: list[Block] = []
    for digest, (path, text, used) in found.items():
        blocks.append(Block("heading", (_("The Dockerfile used"),), 2))
        blocks.append(
            Block(
                "bullets",
                (
                    _("File: {path}").format(path=path),
                    _("SHA-256 of its content: {digest}").format(digest=digest),
                    _("Used by builds {ids}").format(ids=", ".join(map(str, used))),
                ),
            )
        )
        blocks.append(Block("code", tuple(text.splitlines())))
    return blocks


def _item_blocks(
    item: Item,
    obs: Observations,
    builds: Mapping[int, BuildEntry],
    reads: ReportReads,
    _: Translate,
) -> list[Block]:
    blocks = [Block("heading", (f"{item.number}. {item.title}",), 2)]
    status = f"{mark(item.status)} {_('Status')}: {status_text(item.status, _)}"
    blocks.append(Block("text", (status,)))
    if item.proven_at is not None:
        blocks.append(Block("text", (_("Proven {when}").format(when=iso_time(item.proven_at)),)))
    if not item.status.ticked and not item.evidence:
        blocks.append(Block("text", (_("This step is not done yet."),)))
    if item.evidence:
        blocks.append(Block("bullets", item.evidence))
    if item.note:
        blocks.append(Block("text", (item.note,)))
    traced = [_("build {id}").format(id=i) for i in item.build_ids] + list(item.records)
    if traced:
        blocks.append(Block("text", (_("Rests on: {records}").format(records=", ".join(traced)),)))
    for build_id in item.build_ids:
        build = builds.get(build_id)
        if build is not None:
            blocks += _build_blocks(build, item.key, reads, _)
    blocks += _details(item, obs, _)
    blocks.append(Block("heading", (_("Commands"),), 3))
    blocks.append(Block("code", item.commands))
    return blocks


def _build_blocks(build: BuildEntry, key: str, reads: ReportReads, _: Translate) -> list[Block]:
    summary = build.summary
    took = duration(summary.wall_seconds, _) or "?"
    blocks = [
        Block(
            "heading",
            (
                _("Build {id}, started {when}, took {took}").format(
                    id=build.id, when=iso_time(build.started), took=took
                ),
            ),
            3,
        ),
        Block("code", (shown_command(build.argv),)),
        Block(
            "bullets",
            (
                ngettext(
                    "{cached}/{total} steps CACHED", "{cached}/{total} steps CACHED", summary.total
                ).format(cached=summary.cached, total=summary.total),
                _("Cache import: {state}").format(state=state_text(summary.cache_import, _)),
                _("Cache export: {state}; push: {push}").format(
                    state=state_text(summary.cache_export, _), push=state_text(summary.push, _)
                ),
                _("Builder: {builder} ({driver}); exit code: {code}").format(
                    builder=summary.builder or "?",
                    driver=summary.driver or "?",
                    code=summary.exit_code,
                ),
            ),
        ),
    ]
    if key == "pushed":  # the two-platform build: its stages and where its time went
        pictures, emulation = build_pictures(summary, _)
        for picture in pictures:
            blocks.append(Block("heading", (picture.heading,), 4))
            blocks.append(Block("svg", (picture.svg, *picture.lines)))
        blocks += [Block("text", (emulation,))] if emulation else []
    purposes = list(PURPOSES.get(key, ()))
    if excerpts.CACHED in purposes and summary.cached == 0:
        purposes.remove(excerpts.CACHED)
        blocks.append(Block("text", (_("No step of this build came from the cache."),)))
    if not purposes:
        return blocks
    lines = excerpts.excerpt(reads.log_of(build.id), purposes)
    if lines:
        blocks.append(Block("log", tuple(lines)))
    else:
        blocks.append(Block("text", (_("Its log holds no line that shows this."),)))
    return blocks


def _details(item: Item, obs: Observations, _: Translate) -> list[Block]:
    if item.key == "pushed":
        image = two_platform_image(obs)
        proof = obs.records.proof(obs.registry_host, "pushed")
        listing = tuple(imagetools_listing(image)) if image is not None else ()
        if proof is not None and proof.listing:
            listing = proof.listing
        if listing:
            return [
                Block("heading", (_("Manifest as the registry served it"),), 3),
                Block("code", listing),
            ]
    if item.key == "cache-size":
        seen = compared_cache(item, obs)
        if seen is not None:
            return [
                Block("heading", (_("Cache image blobs"),), 3),
                Block(
                    "code",
                    (
                        f"{seen.cache_ref}  {seen.cache_digest}",
                        *(f"  {digest}  {format_size(size):>9}" for digest, size in seen.blobs),
                        f"  {format_size(seen.cache_size):>9}",
                        f"{seen.image_ref}  {seen.image_digest}  {format_size(seen.image_size)}",
                    ),
                ),
            ]
    if item.key == "bonus":
        blocks: list[Block] = []
        for deletion in own_deletions(obs):
            if item.records and deletion.id not in item.records:
                continue
            blocks += _deletion_blocks(deletion, _)
            gc = collection_of(obs, deletion)
            if gc is not None:
                blocks += _collection_blocks(gc, deletion, _)
        return blocks
    return []


def _deletion_blocks(deletion: DeletionRecord, _: Translate) -> list[Block]:
    return [
        Block(
            "heading",
            (
                _("Deletion {id} of {what}, {when}").format(
                    id=deletion.id, what=deletion.deletion, when=iso_time(deletion.at)
                ),
            ),
            3,
        ),
        Block(
            "code",
            (
                *deletion.requests,
                decimal(
                    _,
                    _("Frees {size} of blobs (the plan's prediction)").format(
                        size=format_size(deletion.freed)
                    ),
                ),
            ),
        ),
    ]


def _collection_blocks(gc: CollectionRecord, deletion: DeletionRecord, _: Translate) -> list[Block]:
    cache_blobs = {digest for digest, _size in deletion.blobs}
    eligible = [line for line in gc.log if "eligible for deletion:" in line]
    deleting = [line for line in gc.log if "eligible for deletion" not in line]
    mine = [line for line in gc.log if blob_of_line(line) in cache_blobs]
    totals = [line for line in gc.log if "eligible for deletion" in line and line not in eligible]
    blocks = [
        Block(
            "heading",
            (
                _("Garbage collection {id} of {container}, {when}").format(
                    id=gc.id, container=gc.container, when=iso_time(gc.at)
                ),
            ),
            3,
        ),
        Block(
            "bullets",
            (
                freed_line(gc, _),
                ngettext(
                    "{count} tags verified afterwards",
                    "{count} tags verified afterwards",
                    gc.tags_checked,
                ).format(count=gc.tags_checked),
                _(
                    'The collector\'s proof: {eligible} "eligible for deletion" lines and '
                    '{deleting} "Deleting blob" lines in all; {mine} of them are about the '
                    "{blobs} blobs of the deleted cache, shown here"
                ).format(
                    eligible=len(eligible),
                    deleting=len(deleting),
                    mine=len(mine),
                    blobs=len(cache_blobs),
                ),
            ),
        ),
    ]
    if gc.log_omitted:
        blocks.append(
            Block(
                "text",
                (
                    ngettext(
                        "{count} more proof lines were not kept.",
                        "{count} more proof lines were not kept.",
                        gc.log_omitted,
                    ).format(count=gc.log_omitted),
                ),
            )
        )
    if mine:
        blocks.append(Block("log", (*totals, *mine)))
    elif gc.log:
        blocks.append(Block("log", tuple(gc.log[:40])))
    return blocks


def _errors(builds: Sequence[BuildEntry], _: Translate) -> list[Block]:
    blocks: list[Block] = []
    for build in builds:
        texts = list(build.summary.errors)
        if build.summary.cache_import_detail:
            texts.append(f"importing cache: {build.summary.cache_import_detail}")
        if not texts:
            continue
        lines = [f"{_('Build {id}').format(id=build.id)}: {text}" for text in texts]
        for explanation in explain_texts(texts, build.summary.driver):
            title, why, fix = explanation.shown()
            lines.append(f"→ {title}: {why} {fix}")
        blocks.append(Block("bullets", tuple(lines)))
    if blocks:
        blocks.insert(0, Block("heading", (_("Errors met"),), 2))
    return blocks


def _still_served(guide: Guide, obs: Observations, reads: ReportReads, _: Translate) -> list[Block]:
    wanted = cited(guide, obs)
    if not wanted:
        return []
    rows = [(_("Repository"), _("Digest"), _("Kind"), _("Still served"))]
    for repository, digest, blob in wanted:
        answer = reads.served.get((repository, digest, blob))
        said = _("yes") if answer else _("no") if answer is False else _("unknown (no answer)")
        rows.append((repository, digest, _("blob") if blob else _("manifest"), said))
    return [
        Block("heading", (_("Digests re-checked when the report was made"),), 2),
        Block(
            "text",
            (
                _(
                    "Each digest this report cites, asked of {host} with a HEAD request at {when}."
                ).format(
                    host=obs.registry_host,
                    when=iso_time(reads.made_at if reads.made_at is not None else time.time()),
                ),
            ),
        ),
        Block("table", rows=tuple(rows)),
    ]
