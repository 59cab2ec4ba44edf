"""Advice across builds: from where the cache broke in the kept builds of one Dockerfile
and context, what to change in the Dockerfile (with line numbers) so that it breaks
later, or less often.

Each build's first misses (misses.py) are grouped by the Dockerfile step they broke at
and their reason; a group seen in several builds becomes advice about that step:

* `files`: a COPY/ADD whose files changed. The changed files are found again from the
  builds' recorded context hashes (which folder changed), and when a dependency install
  (npm ci, pip install -r, go mod download ...) runs after the COPY, the advice is to
  copy its manifest first and run the install before the COPY, which keeps the install
  cached when only sources change; files that are not sources (`.git/`, logs, build
  output) belong in `.dockerignore`.
* `build-arg`: an ARG declared long before the step that uses it: every RUN after the ARG
  runs again when its value changes; declared just before its first use, the RUN steps
  between stay cached.
* `instruction`: a line edited again and again, with steps after it: they run each time.
* `base-image`: a base image that moved: pin it by digest.
* `other-builder`, pruned `no-cache`: no cache to use: export and import a registry cache.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from buildtui.buildlog.summary import CacheMiss
from buildtui.builds.copy_sources import source_takes
from buildtui.builds.deadline import Deadline
from buildtui.builds.dockerfile import Dockerfile, Instruction, Stage, parse
from buildtui.builds.evidence import changed_files
from buildtui.builds.misses import EarlierBuild, copy_sources
from buildtui.i18n import _, ngettext

MIN_BUILDS = 2
"""A group seen in fewer builds is chance, not a habit worth advice."""
EN_DASH = "\u2013"

INSTALLERS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\b(npm (ci|install|i)\b|yarn( install)?\b|pnpm (i|install)\b)"),
     ("package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
      "pnpm-lock.yaml", ".npmrc")),
    (re.compile(r"\bpip3? install\b.*-r\b|\bpip3? install\b.*requirements"),
     ("requirements.txt", "requirements-dev.txt", "constraints.txt")),
    (re.compile(r"\bpoetry install\b|\buv sync\b|\bpip3? install\b"),
     ("pyproject.toml", "poetry.lock", "uv.lock", "setup.py", "setup.cfg")),
    (re.compile(r"\bgo (mod download|build|get)\b"), ("go.mod", "go.sum")),
    (re.compile(r"\bcargo (fetch|build)\b"), ("Cargo.toml", "Cargo.lock")),
    (re.compile(r"\bbundle (install)?\b"), ("Gemfile", "Gemfile.lock")),
    (re.compile(r"\bcomposer install\b"), ("composer.json", "composer.lock")),
    (re.compile(r"\bmvn\b"), ("pom.xml",)),
    (re.compile(r"\bgradle\b|\bgradlew\b"), ("build.gradle", "settings.gradle",
                                             "build.gradle.kts", "settings.gradle.kts")),
)  # fmt: skip
"""A RUN that installs dependencies, and the manifests it reads."""
SYSTEM_PACKAGES = re.compile(r"\b(apt-get|apt|apk|dnf|yum|microdnf|zypper) (-\S+ )*(install|add)\b")
NOT_SOURCES = (
    ".git/", "node_modules/", "__pycache__/", ".venv/", "dist/", "build/", "coverage/",
    ".pytest_cache/", ".mypy_cache/", "target/", ".idea/", ".vscode/",
)  # fmt: skip
NOT_SOURCE_SUFFIXES = (".log", ".tmp", ".swp", ".pyc")


@dataclass(frozen=True, slots=True)
class AdviceItem:
    reason: str
    stage: str | None
    line: int | None
    """The step's line in the newest Dockerfile (None: no longer in it)."""
    instruction: str
    count: int
    """Builds whose cache broke there for that reason."""
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "stage": self.stage,
            "line": self.line,
            "instruction": self.instruction,
            "count": self.count,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Advice:
    builds: int
    """The kept builds of the Dockerfile and context that were read."""
    items: tuple[AdviceItem, ...]
    dockerfile: str | None = None
    problem: str | None = None
    """Why the kept builds could not be read."""

    def lines(self) -> list[str]:
        if self.problem is not None:
            return [self.problem]
        if self.builds == 0:
            return [_("No build of this Dockerfile and context is kept yet: nothing to advise.")]
        if not self.items:
            if self.dockerfile is None:
                return [
                    ngettext(
                        "No advice: in the {count} kept build of this Dockerfile, the cache "
                        "never broke at the same step for the same reason twice.",
                        "No advice: in the {count} kept builds of this Dockerfile, the cache "
                        "never broke at the same step for the same reason twice.",
                        self.builds,
                    ).format(count=self.builds)
                ]
            return [
                ngettext(
                    "No advice: in the {count} kept build of {dockerfile}, the cache never "
                    "broke at the same step for the same reason twice.",
                    "No advice: in the {count} kept builds of {dockerfile}, the cache never "
                    "broke at the same step for the same reason twice.",
                    self.builds,
                ).format(count=self.builds, dockerfile=self.dockerfile)
            ]
        return [item.text for item in self.items]

    def to_json(self) -> dict[str, Any]:
        return {
            "builds": self.builds,
            "dockerfile": self.dockerfile,
            "items": [i.to_json() for i in self.items],
            "problem": self.problem,
            "lines": self.lines(),
        }


@dataclass(slots=True)
class _Group:
    reason: str
    stage: str | None
    instruction: Instruction | None
    step: str
    misses: list[tuple[EarlierBuild, CacheMiss]]


def advise(builds: Sequence[EarlierBuild], *, registry_host: str = "localhost:5000") -> Advice:
    """Advice from `builds` (one Dockerfile and context's, newest first)."""
    builds = [b for b in builds if b.evidence is not None]
    if not builds:
        return Advice(0, ())
    newest = builds[0].evidence
    assert newest is not None
    current = parse(newest.dockerfile_text) if newest.dockerfile_text else None
    by_id = {b.id: b for b in builds}
    groups: dict[tuple[str, str | None, str], _Group] = {}
    parsed: dict[int, Dockerfile | None] = {}
    for build in builds:
        seen: set[tuple[str, str | None, str]] = set()
        for miss in build.summary.first_misses:
            own = _own_dockerfile(build, parsed)
            instruction = own.line_of(miss.stage, miss.index) if own is not None else None
            step = instruction.text if instruction is not None else miss.instruction
            key = (_family(miss.reason), miss.stage, step)
            if key in seen:
                continue  # the same step on another platform: one build, counted once
            seen.add(key)
            group = groups.setdefault(key, _Group(miss.reason, miss.stage, instruction, step, []))
            group.misses.append((build, miss))
    items = []
    for group in sorted(groups.values(), key=lambda g: -len(g.misses)):
        if len(group.misses) < MIN_BUILDS:
            continue
        item = _advice(group, len(builds), current, by_id, registry_host)
        if item is not None:
            items.append(item)
    name = newest.dockerfile.rsplit("/", 1)[-1] if newest.dockerfile else None
    return Advice(len(builds), tuple(items), name)


def _family(reason: str) -> str:
    return "no-cache" if reason in ("no-cache", "other-builder") else reason


def _own_dockerfile(build: EarlierBuild, parsed: dict[int, Dockerfile | None]) -> Dockerfile | None:
    if build.id not in parsed:
        text = build.evidence.dockerfile_text if build.evidence is not None else None
        parsed[build.id] = parse(text) if text else None
    return parsed[build.id]


def _current_step(
    current: Dockerfile | None, stage: str | None, text: str
) -> tuple[Stage, int, Instruction] | None:
    """The stage, step index and instruction of `text` in the newest Dockerfile."""
    if current is None:
        return None
    definition = current.stage(stage)
    if definition is None:
        return None
    for planned in definition.steps:
        if planned.text == text:
            return definition, planned.index, planned.instruction
    return None


def _advice(
    group: _Group,
    total: int,
    current: Dockerfile | None,
    by_id: dict[int, EarlierBuild],
    registry_host: str,
) -> AdviceItem | None:
    found = _current_step(current, group.stage, group.step)
    line = found[2].line if found is not None else None
    where = (
        _("`{step}` (line {line})").format(step=group.step, line=line)
        if line is not None
        else f"`{group.step}`"
    )
    count = len(group.misses)
    head = {"count": count, "total": total, "where": where}
    reason = group.reason
    text: str | None = None
    if reason == "files":
        text = _files_advice(group, head, found, by_id)
    elif reason == "build-arg":
        text = _argument_advice(group, head, found)
    elif reason == "instruction":
        later = _later_steps(found)
        if later:
            text = _(
                "In {count} of {total} builds {where} was edited and the cache broke there; "
                "steps {later} after it ran each time. A step that changes often is best put "
                "after the steps that do not."
            ).format(later=later, **head)
    elif reason == "base-image":
        if found is not None and found[0].base:
            text = _(
                "In {count} of {total} builds {where} missed because the base image {image} "
                "moved to another digest; pin it (FROM {image}@sha256:…, the digest `docker "
                "buildx imagetools inspect {image}` shows) to rebuild only when you choose."
            ).format(image=found[0].base, **head)
        else:
            text = _(
                "In {count} of {total} builds {where} missed because its base image moved to "
                "another digest; pin it by digest (FROM IMAGE@sha256:…) to rebuild only when "
                "you choose."
            ).format(**head)
    elif reason in ("no-cache", "other-builder"):
        if all(
            m.reason == "no-cache" and m.detail.startswith("--no-cache")
            for _build, m in group.misses
        ):
            return None  # asked for
        text = _(
            "In {count} of {total} builds {where} ran because no cache was there (another "
            "builder, or a pruned one); a registry cache keeps it across builders and prunes: "
            "--cache-to type=registry,ref={host}/cache,mode=max --cache-from "
            "type=registry,ref={host}/cache"
        ).format(host=registry_host, **head)
    elif reason == "earlier-stage" or reason == "copy-from":
        return None  # the advice is about the stage it comes from
    if text is None:
        return None
    return AdviceItem(reason, group.stage, line, group.step, count, text)


def _sentence(first: str, then: str) -> str:
    """Two clauses of advice: what happened, then what to do."""
    return _("{what_happened}; {what_to_do}.").format(what_happened=first, what_to_do=then)


def _later_steps(found: tuple[Stage, int, Instruction] | None) -> str | None:
    if found is None:
        return None
    stage, index, _instruction = found
    last = max(p.index for p in stage.steps)
    if last <= index:
        return None
    return f"{index + 1}" if last == index + 1 else f"{index + 1}{EN_DASH}{last}"


def _changed_paths(group: _Group, by_id: dict[int, EarlierBuild]) -> list[str]:
    """The files each build's COPY took that changed since the build it was compared with."""
    paths: list[str] = []
    sources = copy_sources(group.step)
    deadline = Deadline(1.0)
    for build, miss in group.misses:
        old = by_id.get(miss.compared_with or -1)
        new = build.evidence
        if old is None or old.evidence is None or new is None:
            continue
        before, after = old.evidence.context_hashes, new.context_hashes
        if before is None or after is None:
            continue
        for path, _kind in changed_files(before, after):
            if any(source_takes(s, path, deadline) for s in sources):
                paths.append(path)
    return paths


def _top(path: str) -> str:
    head, slash, _rest = path.partition("/")
    return f"{head}/" if slash else head


def _files_advice(
    group: _Group,
    head: dict[str, Any],
    found: tuple[Stage, int, Instruction] | None,
    by_id: dict[int, EarlierBuild],
) -> str:
    paths = _changed_paths(group, by_id)
    tops: dict[str, int] = {}
    for path in paths:
        tops[_top(path)] = tops.get(_top(path), 0) + 1
    folders = sorted(tops, key=lambda t: -tops[t])[:3]
    if folders:
        text = _("In {count} of {total} builds {where} missed because of {folders}").format(
            folders=", ".join(folders), **head
        )
    else:
        text = _(
            "In {count} of {total} builds {where} missed because files it copies changed"
        ).format(**head)
    junk = [t for t in folders if t in NOT_SOURCES or t.endswith(NOT_SOURCE_SUFFIXES)]
    if junk:
        return _sentence(
            text,
            _(
                "{paths} is not needed to build: add it to .dockerignore and the build no "
                "longer sees it change"
            ).format(paths=", ".join(junk)),
        )
    late = _("copy only what the next steps need, as late as you can")
    if found is None:
        return _sentence(text, late)
    stage, index, _instruction = found
    later = [p for p in stage.steps if p.index > index]
    for planned in later:
        for pattern, manifests in INSTALLERS:
            if planned.instruction.keyword == "RUN" and pattern.search(planned.text):
                have = _manifests_in(group, manifests, by_id)
                copy = (
                    f"COPY {' '.join(have)} ./" if have else _("COPY <the dependency manifest> ./")
                )
                kept = _span(index + 1, planned.index)
                return _sentence(
                    text,
                    _(
                        "copying the dependency manifest first ({copy}) and running the "
                        "install (`{install}`, line {line}) before it would keep {kept} cached "
                        "when only your sources change"
                    ).format(
                        copy=copy, install=planned.text, line=planned.instruction.line, kept=kept
                    ),
                )
        if planned.instruction.keyword == "RUN" and SYSTEM_PACKAGES.search(planned.text):
            return _sentence(
                text,
                _(
                    "`{step}` (line {line}) does not need your files: run it before the COPY "
                    "and it stays cached"
                ).format(step=planned.text, line=planned.instruction.line),
            )
    steps = _later_steps(found)
    whole = any(source.rstrip("/") in (".", "") for source in copy_sources(group.step))
    if steps and folders and whole:
        return _sentence(
            text,
            _(
                "when steps {steps} need only part of the context, copy that part first and "
                "{folders} after them, so that they stay cached"
            ).format(steps=steps, folders=", ".join(folders)),
        )
    if steps:
        return _sentence(
            text,
            _(
                "steps {steps} after it ran each time too: those that do not need what it "
                "copies stay cached if they come before it"
            ).format(steps=steps),
        )
    return _sentence(text, late)


def _span(first: int, last: int) -> str:
    if first == last:
        return _("step {number}").format(number=first)
    return _("steps {first}{dash}{last}").format(first=first, dash=EN_DASH, last=last)


def _manifests_in(
    group: _Group, manifests: Sequence[str], by_id: dict[int, EarlierBuild]
) -> list[str]:
    newest = group.misses[0][0].evidence
    files = set(newest.context_hashes or {}) if newest is not None else set()
    return [m for m in manifests if m in files]


def _argument_advice(
    group: _Group, head: dict[str, Any], found: tuple[Stage, int, Instruction] | None
) -> str:
    if found is None:
        return _(
            "In {count} of {total} builds {where} ran again because a build argument changed."
        ).format(**head)
    stage = found[0]
    names = _argument_names(group)
    declared = [(n, at) for n, at in stage.args if n in names]
    text = _(
        "In {count} of {total} builds {where} ran again because build argument {names} changed"
    ).format(names=", ".join(sorted(names)) or "?", **head)
    for name, at in declared:
        use = next(
            (p for p in stage.steps if re.search(rf"\${{?{re.escape(name)}\b", p.text)), None
        )
        runs_before = [
            p for p in stage.steps
            if p.instruction.keyword == "RUN" and at < p.instruction.line
            and (use is None or p.index < use.index)
        ]  # fmt: skip
        if use is not None and runs_before:
            return _sentence(
                text,
                _(
                    "ARG {name} (line {line}) is declared long before its first use (line "
                    "{use}): every RUN after it runs again when it changes; declared just "
                    "before line {use}, {steps} would stay cached"
                ).format(
                    name=name,
                    line=at,
                    use=use.instruction.line,
                    steps=_span(runs_before[0].index, runs_before[-1].index),
                ),
            )
    return _sentence(text, _("a value that changes every build is best used by the last steps"))


def _argument_names(group: _Group) -> set[str]:
    names: set[str] = set()
    for _build, miss in group.misses:
        match = re.match(r"build arguments? (.+) changed since", miss.detail)
        if match:
            names.update(n.strip() for n in match.group(1).split(","))
    return names
