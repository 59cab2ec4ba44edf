"""The lab as a dated sequence: the builds (start and duration), the prunes, the
deletions and the collections, and the order the lab needs checked (the cache exported,
then the prune, then the build that imports it; the deletion, then the collection)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from buildtui import l10n
from buildtui.builds.history import BuildEntry
from buildtui.i18n import language_of, ngettext, speaking
from buildtui.lab.build_command import flag_values, registry_caches
from buildtui.lab.checklist import Item, Observations, Translate
from buildtui.lab_records import iso_time

MAX_EVENTS = 40


def short_time(at: float, now: float) -> str:
    """`12:42` on the day of `now`, `2026-12-06 12:42` on another day (local time)."""
    when, today = time.localtime(at), time.localtime(now)
    if when[:3] == today[:3]:
        return l10n.clock(at)
    return l10n.day_time(at)


@dataclass(frozen=True)
class Event:
    at: float
    kind: str
    """build, prune, deletion or collection."""
    id: str
    """`build 4`, `prune-1`, `deletion-2`, `collection-1`."""
    text: str
    seconds: float | None = None
    """How long it took (builds)."""

    @property
    def iso(self) -> str:
        return iso_time(self.at)


def state_text(state: str, _: Translate) -> str:
    """A build summary's cache import or export/push state, in words."""
    words = {
        "found": _("found"),
        "not-found": _("not found"),
        "none": _("none"),
        "ok": _("ok"),
        "failed": _("failed"),
    }
    return words.get(state, state)


def build_text(build: BuildEntry, host: str, _: Translate) -> str:
    """What a build did, in the lab's terms: pushed, cache exported/imported, CACHED."""
    summary = build.summary
    parts = []
    tags = [t for t in flag_values(build.argv, "-t", "--tag")]
    if summary.push == "ok" or "--push" in build.argv:
        parts.append(_("pushed {tags}").format(tags=", ".join(tags) or "-"))
    for cache in registry_caches(build.argv, "--cache-to", host):
        parts.append(
            _("cache exported to {ref} ({mode})").format(
                ref=cache["ref"], mode=f"mode={cache.get('mode', 'min')}"
            )
        )
    for cache in registry_caches(build.argv, "--cache-from", host):
        parts.append(
            _("cache import from {ref}: {state}").format(
                ref=cache["ref"], state=state_text(summary.cache_import, _)
            )
        )
    for value in flag_values(build.argv, "-o", "--output"):
        parts.append(f"-o {value}")
    if "--load" in build.argv:
        parts.append("--load")
    parts.append(
        ngettext(
            "{cached}/{total} steps CACHED", "{cached}/{total} steps CACHED", summary.total
        ).format(cached=summary.cached, total=summary.total)
    )
    if not summary.succeeded:
        parts.append(_("failed (exit code {code})").format(code=summary.exit_code))
    return _("Build {id}: {what}").format(id=build.id, what="; ".join(parts))


def timeline(obs: Observations, items: Sequence[Item], _: Translate) -> list[Event]:
    """The lab's events in order, in `_`'s language."""
    with speaking(language_of(_)):
        return _timeline(obs, items, _)


def _timeline(obs: Observations, items: Sequence[Item], _: Translate) -> list[Event]:
    """The lab's events, oldest first: the builds the items cite or that used the lab
    registry, this registry's deletions and collections, and the prunes."""
    host = obs.registry_host
    cited = {b for item in items for b in item.build_ids}
    events = []
    for build in obs.builds:
        if build.id in cited or host in " ".join(build.argv):
            seconds = build.summary.wall_seconds
            events.append(
                Event(
                    build.started, "build", f"build {build.id}", build_text(build, host, _), seconds
                )
            )
    for prune in obs.records.prunes:
        events.append(
            Event(
                prune.at,
                "prune",
                prune.id,
                ngettext(
                    "Prune of builder {builder}'s cache: {records} records",
                    "Prune of builder {builder}'s cache: {records} records",
                    prune.records,
                ).format(builder=prune.builder or "default", records=prune.records),
            )
        )
    for deletion in obs.records.deletions:
        if deletion.registry == host:
            events.append(
                Event(
                    deletion.at,
                    "deletion",
                    deletion.id,
                    _("Deletion of {what} ({kinds})").format(
                        what=deletion.deletion, kinds=", ".join(deletion.kinds)
                    ),
                )
            )
    for gc in obs.records.collections:
        if gc.registry == host:
            seconds = gc.at - gc.started if gc.started is not None else None
            events.append(
                Event(
                    gc.started if gc.started is not None else gc.at,
                    "collection",
                    gc.id,
                    ngettext(
                        "Garbage collection of {container}: {count} blobs deleted",
                        "Garbage collection of {container}: {count} blobs deleted",
                        gc.blobs_deleted,
                    ).format(container=gc.container, count=gc.blobs_deleted),
                    seconds,
                )
            )
    events.sort(key=lambda e: e.at)
    return events[-MAX_EVENTS:]


def duration(seconds: float | None, _: Translate) -> str:
    if seconds is None:
        return ""
    with speaking(language_of(_)):
        return l10n.seconds(seconds)


@dataclass(frozen=True)
class OrderCheck:
    ok: bool
    text: str


def order_checks(obs: Observations, items: Sequence[Item], _: Translate) -> list[OrderCheck]:
    """The order the lab needs, checked on the records the items rest on."""
    checks = []
    builds = {b.id: b for b in obs.builds}
    by_key = {item.key: item for item in items}
    seven = by_key.get("cache-import")
    if seven is not None and len(seven.build_ids) == 2 and seven.records:
        export, imported = (builds.get(i) for i in seven.build_ids)
        prune = obs.records.by_id(seven.records[0])
        if export is not None and imported is not None and prune is not None:
            exported_end = export.started + (export.summary.wall_seconds or 0.0)
            ok = exported_end <= prune.at < imported.started
            checks.append(
                OrderCheck(
                    ok,
                    _(
                        "Cache exported by build {export} (ended {end}), then the prune "
                        "{prune} ({at}), then build {build} imported it ({start})"
                    ).format(
                        export=export.id,
                        end=iso_time(exported_end),
                        prune=prune.id,
                        at=iso_time(prune.at),
                        build=imported.id,
                        start=iso_time(imported.started),
                    ),
                )
            )
    nine = by_key.get("bonus")
    if nine is not None and len(nine.records) == 2:
        deletion, gc = (obs.records.by_id(i) for i in nine.records)
        if deletion is not None and gc is not None:
            began = gc.started if gc.started is not None else gc.at
            checks.append(
                OrderCheck(
                    deletion.at < began,
                    _(
                        "Deletion {deletion} ({at}), then the garbage collection "
                        "{collection} ({start})"
                    ).format(
                        deletion=deletion.id,
                        at=iso_time(deletion.at),
                        collection=gc.id,
                        start=iso_time(began),
                    ),
                )
            )
    return checks
