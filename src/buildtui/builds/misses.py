"""Why the cache missed: the first step of each platform and stage that ran, and why.

Decided from recorded evidence only (see evidence.py): the step is compared with the
last earlier build of the same Dockerfile and context in which it was cached or ran.
Each reason names what changed: the files a COPY/ADD takes, the Dockerfile line, the
build argument, the base image's digest, the stage a `COPY --from` takes from, or why
no cache could be used. When nothing recorded explains it, the reason is "unknown"
and says what was checked.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace

from buildtui import l10n
from buildtui.buildlog.summary import BuildSummary, CacheMiss, StepSummary, miss_line
from buildtui.builds.copy_sources import source_takes
from buildtui.builds.deadline import Deadline, DeadlineExceeded
from buildtui.builds.dockerfile import Dockerfile, Instruction, instructions, parse, physical_lines
from buildtui.builds.evidence import BuildEvidence, changed_files
from buildtui.i18n import _, ngettext

__all__ = [
    "EarlierBuild",
    "StepPair",
    "dependency_order",
    "first_misses",
    "flag_miss",
    "input_change",
    "miss_line",
    "reference_of",
    "why_it_ran",
    "with_misses",
]

RAN = ("done", "error")
MAX_FILES_SHOWN = 5
MAX_MATCH_SECONDS = 2.0
"""Time for matching every COPY/ADD source against the changed files of one build;
past it the files are not named (the reason says so)."""

MAX_QUOTED = 200
"""Characters of a Dockerfile line a reason quotes; past them it ends with `…`."""
MAX_SCORED = 2_000
"""Characters of an instruction compared with a step's text to pick the changed one."""
_DIGEST = re.compile(r"@(sha256:[0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class EarlierBuild:
    id: int
    summary: BuildSummary
    evidence: BuildEvidence | None


Key = tuple[str | None, str | None]


def first_misses(
    summary: BuildSummary,
    evidence: BuildEvidence | None,
    earlier: Sequence[EarlierBuild],
    *,
    max_seconds: float = MAX_MATCH_SECONDS,
) -> tuple[CacheMiss, ...]:
    """The first miss of each platform and stage of `summary`'s build.

    `earlier` are builds run before it, newest first. Matching COPY sources against
    files stops after `max_seconds` in all.
    """
    deadline = Deadline(max_seconds)
    groups: dict[Key, list[StepSummary]] = {}
    for step in summary.steps:
        groups.setdefault((step.platform, step.stage), []).append(step)
    same = [
        b
        for b in earlier
        if evidence is not None
        and b.evidence is not None
        and b.evidence.project == evidence.project
    ]
    stages = stage_bases(evidence.dockerfile_text if evidence else None)
    found: dict[Key, CacheMiss] = {}
    for key in dependency_order(groups, stages):
        miss = _group_miss(key, groups[key], summary, evidence, same, stages, found, deadline)
        if miss is not None:
            found[key] = miss
    return tuple(found[k] for k in groups if k in found)


def dependency_order(groups: dict[Key, list[StepSummary]], stages: dict[str, str]) -> list[Key]:
    """The (platform, stage) keys with the stages each one takes from (FROM, COPY --from)
    before it, as BuildKit runs them; otherwise in their given order."""
    order: list[Key] = []
    pending = list(groups)
    for _unused in range(len(pending) + 1):
        for key in list(pending):
            deps = _dependencies(key, groups[key], stages)
            if any((key[0], d) in pending and (key[0], d) != key for d in deps):
                continue
            pending.remove(key)
            order.append(key)
    return order + pending


def _dependencies(key: Key, steps: list[StepSummary], stages: dict[str, str]) -> set[str]:
    deps = set()
    base = stages.get(key[1] or "")
    if base in stages:
        deps.add(base)
    for step in steps:
        source = copy_from(step.instruction)
        if source is not None and source.lower() in stages:
            deps.add(source.lower())
    return deps


def _group_miss(
    key: Key,
    steps: list[StepSummary],
    summary: BuildSummary,
    evidence: BuildEvidence | None,
    same: Sequence[EarlierBuild],
    stages: dict[str, str],
    found: dict[Key, CacheMiss],
    deadline: Deadline,
) -> CacheMiss | None:
    counted = sorted((s for s in steps if s.counted), key=lambda s: s.index)
    step = next((s for s in counted if s.status in RAN), None)
    if step is None:
        return None
    platform, stage = key

    def miss(reason: str, detail: str, ref: int | None = None) -> CacheMiss:
        return CacheMiss(platform, stage, step.index, step.instruction, reason, detail, ref)

    flagged = flag_miss(stage, evidence)
    if flagged is not None:
        return miss(*flagged)
    reference = reference_of(key, step, same)
    if reference is None:
        return _no_reference(key, step, summary, evidence, same)
    ref, before = reference
    assert ref.evidence is not None and evidence is not None
    pair = StepPair(key, step, before, ref, ref.evidence, evidence)
    checked: list[str] = []
    change = input_change(pair, summary, stages, found, deadline, checked)
    if change is not None:
        return miss(*change, ref.id)
    return miss(*why_it_ran(pair, summary, counted, deadline, checked), ref.id)


@dataclass(frozen=True, slots=True)
class StepPair:
    """A step of the build explained (or forecast) and the same step of the earlier build
    it is compared with, with both builds' evidence."""

    key: Key
    step: StepSummary
    before: StepSummary
    ref: EarlierBuild
    old: BuildEvidence
    new: BuildEvidence


def flag_miss(stage: str | None, evidence: BuildEvidence | None) -> tuple[str, str] | None:
    """(no-cache, why) when the build's flags forbid the cache for `stage`."""
    if evidence is not None and evidence.no_cache:
        return "no-cache", _("--no-cache: no step may come from the cache")
    if evidence is not None and stage in evidence.no_cache_filter:
        return "no-cache", _("--no-cache-filter {stage}: this stage may not use the cache").format(
            stage=stage
        )
    return None


def input_change(
    pair: StepPair,
    summary: BuildSummary,
    stages: dict[str, str],
    found: dict[Key, CacheMiss],
    deadline: Deadline,
    checked: list[str],
) -> tuple[str, str] | None:
    """(reason, detail) when something that goes into the step changed since the earlier
    build: its text, its base image, the stage it is FROM, the stage it copies from, the
    context files it copies. Appends to `checked` what was found the same."""
    key, step, before, ref, old, new = (
        pair.key, pair.step, pair.before, pair.ref, pair.old, pair.new
    )  # fmt: skip
    platform, stage = key

    # The step's own text.
    if before.instruction != step.instruction:
        line = _changed_line(old.dockerfile_text, new.dockerfile_text, step.instruction)
        if line is not None:
            return "instruction", _("Dockerfile {line}").format(line=line)
        args = changed_args(old, new)
        if args and old.dockerfile_text == new.dockerfile_text:
            return "build-arg", args_detail(args, ref.id)
        return "instruction", _("the step's text changed (was: {instruction})").format(
            instruction=before.instruction
        )
    # A heredoc's body is not all in the step's name.
    body = _changed_heredoc(old.dockerfile_text, new.dockerfile_text, stage, step.index)
    if body is not None:
        return "instruction", _("Dockerfile {line}").format(line=body)
    checked.append(_same(_("the step's text")))

    # The stage's base: an image's digest, or another stage that missed.
    base_change = _base_change(key, summary, ref.summary, stages)
    if base_change is not None:
        return "base-image", base_change
    checked.append(_same(_("base image digests")))
    parent = stages.get(stage or "")
    if parent in stages and (platform, parent) in found:
        first = found[(platform, parent)]
        return "earlier-stage", _("stage {parent} (its base) missed first at {name}").format(
            parent=parent, name=_step_name(first)
        )

    # What the step takes: another stage, or files of the context.
    keyword = step.instruction.split(" ", 1)[0].upper()
    source_stage = copy_from(step.instruction)
    if source_stage is not None:
        source_stage = source_stage.lower()  # BuildKit's stage names are case-insensitive
        upstream = found.get((platform, source_stage))
        if upstream is not None:
            return "copy-from", _(
                "COPY --from={source_stage}: stage {source_stage} missed first at {name} ({reason})"
            ).format(source_stage=source_stage, name=_step_name(upstream), reason=upstream.reason)
        checked.append(_("stage {source_stage} (no miss)").format(source_stage=source_stage))
    elif keyword in ("COPY", "ADD"):
        try:
            files = _changed_context(old, new, step.instruction, deadline)
        except DeadlineExceeded:
            files = None
            checked.append(
                _(
                    "context files (not compared: matching the COPY/ADD sources took "
                    "over {seconds} s)"
                ).format(seconds=l10n.decimal_mark(f"{deadline.seconds:g}"))
            )
        else:
            if files is None:
                checked.append(
                    _("context files (not recorded: {why})").format(
                        why=new.context_note or old.context_note or _("no list")
                    )
                )
            elif files:
                return "files", _files_detail(files, ref.id)
            else:
                checked.append(_same(_("the files it copies")))
    return None


def why_it_ran(
    pair: StepPair,
    summary: BuildSummary,
    counted: Sequence[StepSummary],
    deadline: Deadline,
    checked: list[str],
) -> tuple[str, str]:
    """(reason, detail) of a step that ran though nothing that goes into it changed
    (`input_change` found nothing): an earlier step's input, a build argument, another
    builder, a cache that was pruned, or "unknown" with what was checked."""
    key, step, ref, old, new = pair.key, pair.step, pair.ref, pair.old, pair.new
    # An earlier step of the stage came from the cache of another build, with other input.
    for earlier_step in counted:
        if earlier_step.index >= step.index:
            break
        found_earlier = _earlier_input(earlier_step, key, ref, old, new, deadline)
        if found_earlier is not None:
            return found_earlier
    if counted and counted[0].index < step.index:
        checked.append(_("the stage's earlier steps (same input)"))

    args = changed_args(old, new, declared=declared_args(new.dockerfile_text))
    if args:
        return "build-arg", args_detail(args, ref.id)
    checked.append(_same(_("build arguments")))

    # Nothing that goes into the step changed: was there a cache to use?
    if summary.builder and ref.summary.builder and summary.builder != ref.summary.builder:
        return "other-builder", _(
            "built on builder {builder}; build #{id} ran on {builder2}, whose local cache "
            "this builder does not share"
        ).format(builder=summary.builder, id=ref.id, builder2=ref.summary.builder)
    if summary.cache_import != "found" and summary.cached == 0:
        imported = (
            _("no cache was imported (the import found nothing)")
            if summary.cache_import == "not-found"
            else _("no cache was imported")
        )
        return "no-cache", _(
            "no step came from the cache: {imported} and the local cache no longer "
            "holds build #{id}'s steps (pruned), though their input is the same "
            "({checked})"
        ).format(imported=imported, id=ref.id, checked=", ".join(map(_unsame, checked)))
    if summary.cached:
        checked.append(_("the cache (some steps came from it)"))
    else:
        checked.append(_("the cache (one was imported, yet no step came from it)"))
    return "unknown", _("unknown; checked against build #{id}: {checked}").format(
        id=ref.id, checked=", ".join(checked)
    )


def _earlier_input(
    earlier: StepSummary,
    key: Key,
    ref: EarlierBuild,
    old: BuildEvidence,
    new: BuildEvidence,
    deadline: Deadline,
) -> tuple[str, str] | None:
    """(reason, detail) when an earlier step of the stage took other input than in `ref`:
    it came from the cache of another build, so the steps after it could not."""
    before = next(
        (
            s
            for s in ref.summary.steps
            if (s.platform, s.stage, s.index) == (key[0], key[1], earlier.index)
        ),
        None,
    )
    name = _("step {index} {instruction}").format(
        index=earlier.index, instruction=earlier.instruction
    )
    if before is not None and before.instruction != earlier.instruction:
        return (
            "instruction",
            _("{name} changed (was: {instruction}) yet came from the cache").format(
                name=name, instruction=before.instruction
            ),
        )
    keyword = earlier.instruction.split(" ", 1)[0].upper()
    if keyword in ("COPY", "ADD") and copy_from(earlier.instruction) is None:
        try:
            files = _changed_context(old, new, earlier.instruction, deadline)
        except DeadlineExceeded:
            return None
        if files:
            return "files", _("{name} came from the cache but takes files {files}").format(
                name=name, files=_files_detail(files, ref.id)
            )
    return None


def reference_of(
    key: Key, step: StepSummary, same: Sequence[EarlierBuild]
) -> tuple[EarlierBuild, StepSummary] | None:
    """The last earlier build in which this step was cached or ran."""
    for build in same:
        for old in build.summary.steps:
            if (old.platform, old.stage, old.index) == (
                key[0],
                key[1],
                step.index,
            ) and old.status in ("cached", "done"):
                return build, old
    return None


def _no_reference(
    key: Key,
    step: StepSummary,
    summary: BuildSummary,
    evidence: BuildEvidence | None,
    same: Sequence[EarlierBuild],
) -> CacheMiss | None:
    """No earlier build ran this step on this platform: a cache for other platforms?"""
    if evidence is None or summary.cache_import != "found":
        return None
    for build in same:
        old = build.evidence
        if old is None or not _cache_refs(old.cache_to) & _cache_refs(evidence.cache_from):
            continue
        platforms = sorted({s.platform or "" for s in build.summary.steps} - {""})
        if key[0] not in platforms:
            return CacheMiss(
                key[0],
                key[1],
                step.index,
                step.instruction,
                "no-cache",
                _(
                    "the imported cache was exported by build #{id} for {platforms} only, "
                    "not {platform}"
                ).format(
                    id=build.id,
                    platforms=", ".join(platforms) or _("another platform"),
                    platform=key[0],
                ),
                build.id,
            )
    return None


def _cache_refs(values: Sequence[str]) -> set[str]:
    """The cache images that --cache-from/--cache-to values name (`ref=...`, or a bare ref)."""
    refs = set()
    for value in values:
        if "=" not in value:
            refs.add(value)
        for part in value.split(","):
            if part.startswith("ref="):
                refs.add(part[4:])
    return refs


def _same(what: str) -> str:
    """A thing compared and found the same, as the reasons list them."""
    return _("{what} (same)").format(what=what)


def _unsame(checked: str) -> str:
    """`checked` without its `(same)`."""
    prefix, _brace, suffix = _("{what} (same)").partition("{what}")
    return checked.removeprefix(prefix).removesuffix(suffix)


def _step_name(miss: CacheMiss) -> str:
    return _("step {index} {instruction}").format(index=miss.index, instruction=miss.instruction)


def copy_from(instruction: str) -> str | None:
    """What a COPY or ADD step's `--from=` names (a stage or an image), as written."""
    words = instruction.split()
    if not words or words[0].upper() not in ("COPY", "ADD"):
        return None
    for word in words[1:]:
        if not word.startswith("--"):
            return None
        if word[:7].lower() == "--from=" and len(word) > 7:
            return word[7:]
    return None


def stage_bases(dockerfile: str | None) -> dict[str, str]:
    """Stage label (as step names spell it, lower case) -> what it is FROM: another
    stage's label, or an image (the ARGs before the first FROM substituted)."""
    if not dockerfile:
        return {}
    return {
        stage.label: stage.base_stage or stage.base
        for stage in parse(dockerfile).stages
        if stage.label is not None
    }


def declared_args(dockerfile: str | None) -> set[str] | None:
    """Every name an ARG of the Dockerfile declares (`ARG A B=1` declares both)."""
    if dockerfile is None:
        return None
    parsed = parse(dockerfile)
    names = set(parsed.global_args)
    for stage in parsed.stages:
        names.update(name for name, _line in stage.args)
    return names


def changed_args(
    old: BuildEvidence, new: BuildEvidence, declared: set[str] | None = None
) -> list[str]:
    names = set(old.build_args) | set(new.build_args)
    changed = sorted(n for n in names if old.build_args.get(n) != new.build_args.get(n))
    if declared is not None:
        changed = [n for n in changed if n in declared]
    return changed


def args_detail(names: list[str], ref: int) -> str:
    return ngettext(
        "build argument {names} changed since build #{ref}",
        "build arguments {names} changed since build #{ref}",
        len(names),
    ).format(names=", ".join(names), ref=ref)


def _changed_line(old: str | None, new: str | None, instruction: str) -> str | None:
    """`line N changed: NEW (was: OLD)` for the Dockerfile line of `instruction`: the
    instructions of both Dockerfiles (continuation lines joined, heredocs with their
    bodies) are compared, and in the changed one most like `instruction`, the first
    line that changed is named."""
    if old is None or new is None or old == new:
        return None
    keyword = instruction.split(" ", 1)[0].upper()
    before, after = _read(old), _read(new)
    matcher = difflib.SequenceMatcher(
        a=[tuple(text for _line, text in _source(before[0], i)) for i in before[1]],
        b=[tuple(text for _line, text in _source(after[0], i)) for i in after[1]],
        autojunk=False,
    )
    best: tuple[float, str] | None = None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for j in range(j1, j2):
            changed = after[1][j]
            if changed.keyword != keyword:
                continue
            score = difflib.SequenceMatcher(
                a=changed.text[:MAX_SCORED], b=instruction[:MAX_SCORED]
            ).ratio()
            was = before[1][i1 + (j - j1)] if i1 + (j - j1) < i2 else None
            detail = _line_detail(changed, after[0], was, before[0])
            if best is None or score > best[0]:
                best = (score, detail)
    return best[1] if best else None


def _changed_heredoc(old: str | None, new: str | None, stage: str | None, index: int) -> str | None:
    """`line N changed: ...` when step `index` of `stage` has the same instruction in both
    Dockerfiles but a heredoc whose body changed (a step's name shows a heredoc's first
    line at most)."""
    if old is None or new is None or old == new:
        return None
    before = _parsed(old).line_of(stage, index)
    after = _parsed(new).line_of(stage, index)
    if before is None or after is None or not after.heredocs:
        return None
    if before.text != after.text or before.heredocs == after.heredocs:
        return None
    return _line_detail(after, _read(new)[0], before, _read(old)[0])


@functools.lru_cache(maxsize=4)
def _read(text: str) -> tuple[list[str], list[Instruction]]:
    """A Dockerfile's lines and instructions (the same texts are read for each step)."""
    return physical_lines(text), instructions(text)


@functools.lru_cache(maxsize=4)
def _parsed(text: str) -> Dockerfile:
    return parse(text)


def _source(lines: Sequence[str], instruction: Instruction) -> list[tuple[int, str]]:
    """(line number, text) of the lines an instruction is made of, stripped; comment and
    empty lines inside a continuation (BuildKit skips them) left out."""
    out: list[tuple[int, str]] = []
    body_from = instruction.heredocs[0].line if instruction.heredocs else instruction.end_line + 1
    for number in range(instruction.line, instruction.end_line + 1):
        text = lines[number - 1].rstrip("\r")
        if number < body_from and (not text.strip() or text.lstrip().startswith("#")):
            continue
        out.append((number, text.strip() if number < body_from else text))
    return out


def _line_detail(
    new: Instruction, new_lines: Sequence[str], old: Instruction | None, old_lines: Sequence[str]
) -> str:
    """`line N changed: TEXT (was: OLD)`; for an instruction of several lines, the first
    of them that changed, and where the instruction is."""

    def within(detail: str) -> str:
        if new.end_line <= new.line:
            return detail
        return _("{detail}, in the {keyword} of lines {first}-{last}").format(
            detail=detail, keyword=new.keyword, first=new.line, last=new.end_line
        )

    after = _source(new_lines, new)
    if old is None or not after:
        first = new_lines[new.line - 1]
        return within(
            _("line {number} changed: {text} (new)").format(number=new.line, text=_quoted(first))
        )
    before = _source(old_lines, old)
    parts = difflib.SequenceMatcher(
        a=[text for _line, text in before], b=[text for _line, text in after], autojunk=False
    )
    for tag, i1, i2, j1, j2 in parts.get_opcodes():
        if tag == "equal":
            continue
        if j1 < j2:
            number, text = after[j1][0], _quoted(after[j1][1])
            if i1 < i2:
                return within(
                    _("line {number} changed: {text} (was: {was})").format(
                        number=number, text=text, was=_quoted(before[i1][1])
                    )
                )
            return within(_("line {number} changed: {text} (new)").format(number=number, text=text))
        at = after[j1 - 1][0] if j1 > 0 else new.line
        return within(
            _("line {number} changed: {text} was removed after it").format(
                number=at, text=_quoted(before[i1][1])
            )
        )
    return within(
        _("line {number} changed: {text}").format(number=new.line, text=_quoted(after[0][1]))
    )


def _quoted(line: str) -> str:
    text = line.strip()
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def _changed_context(
    old: BuildEvidence, new: BuildEvidence, instruction: str, deadline: Deadline
) -> list[tuple[str, str]] | None:
    if old.context_hashes is None or new.context_hashes is None:
        return None
    sources = copy_sources(instruction)
    return [
        (path, how)
        for path, how in changed_files(old.context_hashes, new.context_hashes)
        if any(source_takes(source, path, deadline) for source in sources)
    ]


def copy_sources(instruction: str) -> list[str]:
    rest = instruction.split(" ", 1)[1] if " " in instruction else ""
    rest = rest.strip()
    words: list[str]
    try:
        words = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
    except (ValueError, json.JSONDecodeError):
        words = rest.split()
    words = [w for w in words if not w.startswith("--")]
    return [str(w) for w in words[:-1]] or ["."]


def _files_detail(files: list[tuple[str, str]], ref: int) -> str:
    shown = ", ".join(
        path if how == "changed" else _file_change(path, how)
        for path, how in files[:MAX_FILES_SHOWN]
    )
    if len(files) > MAX_FILES_SHOWN:
        more = len(files) - MAX_FILES_SHOWN
        return ngettext(
            "changed since build #{ref}: {shown} and {more} more",
            "changed since build #{ref}: {shown} and {more} more",
            more,
        ).format(ref=ref, shown=shown, more=more)
    return _("changed since build #{ref}: {shown}").format(ref=ref, shown=shown)


def _file_change(path: str, how: str) -> str:
    """`src/a.js (added)`."""
    if how == "added":
        return _("{path} (added)").format(path=path)
    if how == "removed":
        return _("{path} (removed)").format(path=path)
    return f"{path} ({how})"


def _base_change(
    key: Key, new: BuildSummary, old: BuildSummary, stages: dict[str, str]
) -> str | None:
    """`FROM image resolved to sha256:… (was sha256:…)` when the stage's base moved."""
    platform, stage = key
    seen: set[str | None] = set()
    while stage not in seen:
        seen.add(stage)
        before, after = _from_step(old, platform, stage), _from_step(new, platform, stage)
        image = stages.get(stage or "")
        if (before is None or after is None) and image is not None and image not in stages:
            before = before or _from_image(old, platform, image)
            after = after or _from_image(new, platform, image)
        if before is not None and after is not None:
            a, b = _DIGEST.search(before), _DIGEST.search(after)
            if a and b and a.group(1) != b.group(1):
                name = after.split(" ", 1)[1].split("@", 1)[0]
                return _(
                    "the base image {name} resolved to another digest: {digest}… (was {before}…)"
                ).format(name=name, digest=b.group(1)[:17], before=a.group(1)[:17])
            return None
        if image is None or image not in stages:
            return None
        stage = image
    return None


def _from_step(summary: BuildSummary, platform: str | None, stage: str | None) -> str | None:
    for step in summary.steps:
        if step.platform == platform and step.stage == stage and not step.counted:
            return step.instruction
    return None


def _from_image(summary: BuildSummary, platform: str | None, image: str) -> str | None:
    """A FROM step of `platform` naming `image` (BuildKit merges identical FROM steps)."""
    for step in summary.steps:
        if step.platform != platform or step.counted:
            continue
        ref = step.instruction.split(" ", 1)[-1].split("@", 1)[0]
        if ref == image or ref.endswith("/" + image):
            return step.instruction
    return None


def with_misses(
    summary: BuildSummary, evidence: BuildEvidence | None, earlier: Sequence[EarlierBuild]
) -> BuildSummary:
    """`summary` with its first misses decided against `earlier` builds (newest first)."""
    return replace(summary, first_misses=first_misses(summary, evidence, earlier))
