"""Every read the lab guide and its report make of the build history, in one place (an
index of the history for the lab can replace these without touching the items)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from buildtui.builds.errors import HistoryError
from buildtui.builds.evidence import BuildEvidence
from buildtui.builds.history import BuildEntry, BuildHistory
from buildtui.lab.build_command import registry_caches
from buildtui.lab.evidence import cache_manifest_digest


def lab_builds(history: BuildHistory) -> tuple[BuildEntry, ...]:
    """The builds the guide decides from, oldest first (none when the history cannot be
    read: the guide then says what is not done)."""
    try:
        return tuple(reversed(history.list()))
    except HistoryError:
        return ()


def build_log(history: BuildHistory, build_id: int) -> str:
    """Build `build_id`'s whole log ('' when it is gone or cannot be read)."""
    try:
        return history.get(build_id).log
    except HistoryError:
        return ""


def build_evidence(history: BuildHistory, build_id: int) -> BuildEvidence | None:
    """What build `build_id` started from: its Dockerfile's text and path, its context."""
    try:
        return history.evidence(build_id)
    except HistoryError:
        return None


def exported_cache_digests(
    history: BuildHistory, builds: Sequence[BuildEntry], host: str
) -> Mapping[int, str]:
    """For each build that exported a registry cache to `host`: the cache manifest digest
    its log says it wrote."""
    digests = {}
    for build in builds:
        if build.summary.cache_export != "ok" or not registry_caches(
            build.argv, "--cache-to", host
        ):
            continue
        digest = cache_manifest_digest(build_log(history, build.id))
        if digest:
            digests[build.id] = digest
    return digests
