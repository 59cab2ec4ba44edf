"""What the instructor's side checks in each submission, and across the class.

- **Agreement**: do the submission's parts agree with each other? Each item's builds and
  records are in it, an item said done has its proof recorded, a proof is not older than
  the builds it rests on, the index item 4 cites was pushed by one of its builds, the
  cache size compares the image its build pushed, the manifest says what its files say.
- **Copies**: a build (its id, start time and pushed digests) found in two students'
  submissions was copied (a data dir handed over): flagged on both.
- **Still served**: each digest the evidence cites, asked of the lab registry it names,
  when the instructor's machine can reach it (`service`); a registry on the student's
  own machine (localhost) or one that does not answer is "not reachable", never
  evidence that something is missing.

Pure: every sentence goes through the lab's translator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from buildtui.classroom.remote import Submission
from buildtui.classroom.schema import BuildFacts, CitedDigest

Translate = Callable[[str], str]
SKEW = 300.0
"""Seconds two clocks (or the order of two writes) may differ by before it counts."""


def untranslated(text: str) -> str:
    return text


def when(at: float) -> str:
    """`at` as a short ISO 8601 time with its zone ("?" for one out of range)."""
    try:
        return datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return "?"


def disagreements(sub: Submission, _: Translate = untranslated) -> list[str]:
    """Where the parts of one submission disagree, a sentence each."""
    summary, manifest = sub.summary, sub.manifest
    if summary is None or manifest is None:
        return []
    found: list[str] = []
    builds = {b.id: b for b in sub.builds}
    records = sub.records
    if manifest.student != summary.student:
        found.append(
            _("Its manifest names {one}, its submission.json {other}.").format(
                one=manifest.student, other=summary.student
            )
        )
    if summary.tag != sub.tag and sub.tag.count(":") == 0:
        found.append(
            _("It is tagged {tag}, but says it was submitted as {said}.").format(
                tag=sub.tag, said=summary.tag
            )
        )
    progress = f"{summary.done}/{summary.total}"
    if manifest.progress is not None and manifest.progress != progress:
        found.append(
            _("Its manifest says {one} done, its items {other}.").format(
                one=manifest.progress, other=progress
            )
        )
    for item in summary.items:
        for build_id in item.builds:
            if build_id not in builds:
                found.append(
                    _(
                        "Item {number} rests on build {id}, which the submission does not hold."
                    ).format(number=item.number, id=build_id)
                )
        for record_id in item.records:
            if records.by_id(record_id) is None:
                found.append(
                    _("Item {number} rests on {record}, which its records do not hold.").format(
                        number=item.number, record=record_id
                    )
                )
        if item.ticked and records.proof(summary.lab_host, item.key) is None:
            found.append(
                _("Item {number} is said done, but its records hold no proof of it.").format(
                    number=item.number
                )
            )
        cited = [builds[b] for b in item.builds if b in builds]
        latest = max(cited, key=lambda b: b.started, default=None)
        if (
            item.proven_at is not None
            and latest is not None
            and item.proven_at + SKEW < latest.started
        ):
            found.append(
                _(
                    "Item {number} was proven at {proven}, before build {id} it rests on "
                    "started ({started})."
                ).format(
                    number=item.number,
                    proven=when(item.proven_at),
                    id=latest.id,
                    started=when(latest.started),
                )
            )
        if item.key == "pushed" and item.ticked and cited:
            pushed = {digest for build in cited for _ref, digest in build.pushed}
            for _ref, digest in item.digests:
                if digest not in pushed:
                    found.append(
                        _("Item {number} cites {digest}, which none of its builds pushed.").format(
                            number=item.number, digest=digest
                        )
                    )
    for build in sub.builds:
        if build.started > summary.created + SKEW:
            found.append(
                _("Build {id} started ({started}) after the submission was made ({made}).").format(
                    id=build.id, started=when(build.started), made=when(summary.created)
                )
            )
    for size in records.cache_sizes:
        if size.build_id is None:
            continue
        compared = builds.get(size.build_id)
        if compared is None:
            found.append(
                _(
                    "{record} compares the cache of build {id}, which the submission does not hold."
                ).format(record=size.id, id=size.build_id)
            )
        elif size.image_digest not in {digest for _ref, digest in compared.pushed}:
            found.append(
                _("{record} compares the image {digest}, which build {id} did not push.").format(
                    record=size.id, digest=size.image_digest, id=compared.id
                )
            )
    for collection in records.collections:
        for deletion in collection.deletion_ids:
            if records.by_id(deletion) is None:
                found.append(
                    _("{record} collected {deletion}, which its records do not hold.").format(
                        record=collection.id, deletion=deletion
                    )
                )
    return found


@dataclass(frozen=True)
class SharedBuild:
    """A build found in this submission and in others'."""

    build: BuildFacts
    others: tuple[str, ...]
    """The tags of the other submissions that hold it."""


@dataclass
class CopyIndex:
    """Which builds appear in more than one submission, updated as submissions arrive."""

    holders: dict[object, dict[str, BuildFacts]] = field(default_factory=dict)

    def add(self, sub: Submission) -> set[str]:
        """Index `sub`'s builds; the tags whose shared builds changed (`sub`'s included)."""
        changed: set[str] = set()
        for build in sub.builds:
            holders = self.holders.setdefault(build.fingerprint, {})
            holders[sub.tag] = build
            if len(holders) > 1:
                changed.update(holders)
        return changed

    def shared(self, tag: str) -> list[SharedBuild]:
        found = []
        for holders in self.holders.values():
            if tag in holders and len(holders) > 1:
                others = tuple(sorted(t for t in holders if t != tag))
                found.append(SharedBuild(holders[tag], others))
        return sorted(found, key=lambda shared: shared.build.id)


@dataclass(frozen=True)
class ServedCheck:
    """The cited digests of one submission, asked of the lab registry they name."""

    served: int = 0
    gone: tuple[CitedDigest, ...] = ()
    """Answered "not here" (404), and not deleted as its records say."""
    deleted: int = 0
    """Gone as a deletion of its records says (the lab's bonus step)."""
    unknown: int = 0
    """Not answered (an error) or not asked."""
    not_reachable: str | None = None
    """Why its lab registry was not asked, or did not answer (a sentence)."""


def served_check(
    cited: Iterable[CitedDigest],
    answers: dict[tuple[str, str, str, bool], bool | None],
    unreachable: dict[str, str],
) -> ServedCheck:
    """One submission's digests against the answers of its lab registries: `answers` by
    (registry, repository, digest, blob); `unreachable` by registry: why not asked."""
    served = deleted = unknown = 0
    gone: list[CitedDigest] = []
    reasons: list[str] = []
    for one in cited:
        if one.registry in unreachable:
            reasons.append(unreachable[one.registry])
            unknown += 1
            continue
        answer = answers.get((one.registry, one.repository, one.digest, one.blob))
        if answer is True:
            served += 1
        elif answer is False and one.deleted_by:
            deleted += 1
        elif answer is False:
            gone.append(one)
        else:
            unknown += 1
    reason = next(iter(dict.fromkeys(reasons)), None)
    return ServedCheck(served, tuple(gone), deleted, unknown, reason)
