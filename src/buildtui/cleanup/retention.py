"""Retention rules: which tags of a repository to delete by age and by count.

`buildtui rm REPO --keep-last N --older-than DURATION --untagged` (and the Clean-up pane's
rules form) turn into an ordinary selection for the planner, so a rule deletes exactly
what selecting those tags by hand would, with the same safety: never what a kept tag
needs, an index entry a kept tag names stays, a tag that shares its manifest with a
kept tag is removed alone (the throw-away manifest trick).

The rules count images, not tag names: tags on the same manifest (aliases) are one image,
kept or deleted together, so an alias of a kept tag always keeps its manifest. An image's
date is its config's `created` (an index: its newest platform's); when that is missing
(a cache image, an artifact) or not a real date (a reproducible build's fixed 1970 date),
the time its tag was pushed as the registry's storage tells it, else a `Last-Modified`
the registry sent; the decision says which was used. An image with no date is kept.

Pure: the dates come in (`TagDate`), the selections go out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from buildtui.cleanup.graph import RegistryGraph
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.referrers import find_referrers_in, subject_label
from buildtui.i18n import N_, _

CREATED = "created"
"""The date is the image config's `created`."""
PUSHED = "pushed"
"""The date is when the tag was pushed, from the registry's storage (its link file)."""
LAST_MODIFIED = "Last-Modified"
"""The date is the `Last-Modified` header the registry sent for the manifest."""
SOURCE_WORDS = {
    CREATED: N_("config created"),
    PUSHED: N_("pushed (registry storage)"),
    LAST_MODIFIED: "Last-Modified (registry)",
}
EARLIEST = datetime(1980, 1, 2, tzinfo=UTC).timestamp()
"""Before this a `created` is not a real date: reproducible builds write 1970 (an epoch of 0)."""
_DURATION = re.compile(r"(\d{1,6})([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class RuleError(ValueError):
    """A rule that cannot be applied, with what to write instead."""


def parse_duration(text: str) -> float:
    """`30d`, `12h`, `2w`, `1d12h`, `90m`, `45s` -> seconds; RuleError otherwise."""
    compact = text.strip().lower().replace(" ", "")
    position, seconds = 0, 0.0
    while position < len(compact):
        found = _DURATION.match(compact, position)
        if found is None:
            break
        seconds += int(found.group(1)) * _UNITS[found.group(2)]
        position = found.end()
    if not compact or position != len(compact) or seconds <= 0:
        raise RuleError(
            _(
                "{value!r} is not a duration: write a number and a unit, e.g. 30d "
                "(days), 12h (hours), 2w (weeks), 90m (minutes) or 1d12h"
            ).format(value=text[:40])
        )
    return seconds


def describe_duration(seconds: float) -> str:
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def parse_created(text: str | None) -> float | None:
    """An RFC 3339 `created` as Unix time, or None when missing, unreadable or not a real
    date (before 1980: a reproducible build's fixed date)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip()[:64])
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    stamp = when.timestamp()
    return stamp if stamp >= EARLIEST else None


def parse_http_date(text: str | None) -> float | None:
    """A `Last-Modified` header (RFC 9110 date) as Unix time, or None."""
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text.strip()[:64])
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    stamp = when.timestamp()
    return stamp if stamp >= EARLIEST else None


@dataclass(frozen=True)
class RetentionRules:
    keep_last: int | None = None
    """Keep the N newest images (and every tag on them)."""
    older_than: float | None = None
    """Delete images older than this many seconds."""
    untagged: bool = False
    """Also delete the repository's untagged revisions."""

    def check(self) -> None:
        if self.keep_last is None and self.older_than is None and not self.untagged:
            raise RuleError(_("give a rule: --keep-last N, --older-than DURATION or --untagged"))
        if self.keep_last is not None and self.keep_last < 0:
            raise RuleError(_("--keep-last takes a number of images, 0 or more"))

    def __str__(self) -> str:
        parts = []
        if self.keep_last is not None:
            parts.append(_("keep the last {keep_last}").format(keep_last=self.keep_last))
        if self.older_than is not None:
            parts.append(
                _("delete older than {duration}").format(
                    duration=describe_duration(self.older_than)
                )
            )
        if self.untagged:
            parts.append(_("delete untagged revisions"))
        return ", ".join(parts)


@dataclass(frozen=True)
class TagDate:
    """When a tag's image was made (or pushed), and where that date comes from."""

    when: float | None
    source: str = ""
    """CREATED, PUSHED, LAST_MODIFIED, or empty when no date is known."""
    note: str = ""
    """Why a better source was not used (e.g. `created is 1970-01-01`)."""


@dataclass(frozen=True)
class Decision:
    """One image of the repository (its tags), kept or deleted, and why."""

    tags: tuple[str, ...]
    digest: str
    keep: bool
    reason: str
    when: float | None
    source: str


@dataclass(frozen=True)
class RetentionChoice:
    repository: str
    rules: RetentionRules
    decisions: tuple[Decision, ...]
    """Newest first; images with no date first of all (they are kept)."""
    selections: tuple[Selection, ...]

    @property
    def deleted_tags(self) -> tuple[str, ...]:
        return tuple(t for d in self.decisions if not d.keep for t in d.tags)

    @property
    def kept_tags(self) -> tuple[str, ...]:
        return tuple(t for d in self.decisions if d.keep for t in d.tags)


def iso_date(when: float | None) -> str:
    if when is None:
        return _("no date")
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC")


def choose(
    graph: RegistryGraph,
    repository: str,
    rules: RetentionRules,
    dates: Mapping[str, TagDate],
    now: float,
) -> RetentionChoice:
    """The tags `rules` delete in `repository` (RuleError for an unknown repository)."""
    rules.check()
    repo = graph.repositories.get(repository)
    if repo is None:
        raise RuleError(
            _("repository {repository} is not in {registry}").format(
                repository=repository, registry=graph.registry
            )
        )
    if rules.untagged and repo.revisions is None:
        raise RuleError(
            _(
                "the untagged revisions of {repository} cannot be listed over HTTP: "
                "the registry container's storage must be readable (check "
                "registry_container)"
            ).format(repository=repository)
        )
    referrers = {r.digest: r for r in find_referrers_in(graph, repository)}
    images: dict[str, list[str]] = {}
    for tag, digest in sorted(repo.tags.items()):
        if digest not in referrers:
            images.setdefault(digest, []).append(tag)
    dated: list[tuple[float, str, str]] = []
    undated: list[str] = []
    for digest, tags in images.items():
        known = [dates[t] for t in tags if t in dates and dates[t].when is not None]
        if known:
            newest = max(known, key=lambda d: d.when or 0.0)
            dated.append((newest.when or 0.0, newest.source, digest))
        else:
            undated.append(digest)
    dated.sort(key=lambda item: (-item[0], item[2]))
    decisions = [
        Decision(tuple(images[d]), d, True, _undated_reason(images[d], dates), None, "")
        for d in sorted(undated)
    ]
    cutoff = now - rules.older_than if rules.older_than is not None else None
    for rank, (when, source, digest) in enumerate(dated, start=1):
        keep, reason = _decide(rules, rank, when, cutoff)
        decisions.append(Decision(tuple(images[digest]), digest, keep, reason, when, source))
    for digest, referrer in sorted(referrers.items()):
        if referrer.tags:
            subject = subject_label(graph, repository, referrer.subject)
            decisions.append(
                Decision(
                    referrer.tags,
                    digest,
                    True,
                    _(
                        "a referrer ({what} of {subject}): the rules count images "
                        "only; it goes with its subject when its referrers are added "
                        "(rm --with-referrers; f in the Clean-up pane)"
                    ).format(what=referrer.what, subject=subject),
                    None,
                    "",
                )
            )
    selections = [Selection(repository, tag=tag) for d in decisions if not d.keep for tag in d.tags]
    if rules.untagged:
        selections.append(Selection(repository, untagged=True))
    return RetentionChoice(repository, rules, tuple(decisions), tuple(selections))


def _decide(
    rules: RetentionRules, rank: int, when: float, cutoff: float | None
) -> tuple[bool, str]:
    if rules.keep_last is not None and rank <= rules.keep_last:
        return True, _("one of the {keep_last} newest (#{rank})").format(
            keep_last=rules.keep_last, rank=rank
        )
    if cutoff is not None and when >= cutoff:
        assert rules.older_than is not None
        return True, _("newer than {duration}").format(duration=describe_duration(rules.older_than))
    if cutoff is not None:
        assert rules.older_than is not None
        older = _("older than {duration}").format(duration=describe_duration(rules.older_than))
        if rules.keep_last is not None:
            return False, _("{older}, and not one of the {keep_last} newest (#{rank})").format(
                older=older, keep_last=rules.keep_last, rank=rank
            )
        return False, older
    if rules.keep_last is not None:
        return False, _("not one of the {keep_last} newest (#{rank})").format(
            keep_last=rules.keep_last, rank=rank
        )
    return True, _("no tag rule given (only --untagged)")


def _undated_reason(tags: Sequence[str], dates: Mapping[str, TagDate]) -> str:
    notes = sorted({dates[t].note for t in tags if t in dates and dates[t].note})
    why = f" ({'; '.join(notes)})" if notes else ""
    return _(
        "no date is known for it (no config created, no push time in the "
        "registry's storage, no Last-Modified), so it is kept{why}"
    ).format(why=why)
