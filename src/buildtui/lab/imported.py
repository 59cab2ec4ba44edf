"""Builds imported from elsewhere count as evidence, marked as imported.

A build in the history can come from another machine (`buildtui history export`, then
`import`) or from a student's plain `docker buildx build --progress=plain … | tee` log
(`buildtui history import build.log`). The guide decides its items from such a build as
from any other; each item whose evidence rests on one says so, with where it came from,
so that a teacher sees which proofs were not run under buildtui's eyes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from buildtui.lab.checklist import Item, Observations, Translate


def mark_imported(items: Sequence[Item], obs: Observations, _: Translate) -> tuple[Item, ...]:
    """`items` with a line under the evidence of each that rests on an imported build."""
    builds = {build.id: build for build in obs.builds}
    marked = []
    for item in items:
        lines = []
        for build_id in item.build_ids:
            build = builds.get(build_id)
            if build is None or not build.imported:
                continue
            if build.source == "plain-log":
                line = _("Build {id} is imported evidence: a plain build log ({origin}).")
            else:
                line = _("Build {id} is imported evidence: exported elsewhere ({origin}).")
            lines.append(line.format(id=build_id, origin=build.origin or "?"))
        marked.append(replace(item, evidence=(*item.evidence, *lines)) if lines else item)
    return tuple(marked)
