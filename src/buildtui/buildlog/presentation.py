"""Pure presentation of a build's log and model: highlights, steps, phases, summary.

Shared by the Build pane and `buildtui build`. Styles are semantic names (`STYLES`):
every function takes a mapping from those names to real styles, and by default leaves
the names themselves in the text. The pane maps them to its theme's colours, the
command line to ANSI colours; neither decides here which colour a thing gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.style import Style
from rich.text import Span, Text

from buildtui.buildlog.explain import Explanation
from buildtui.buildlog.model import BuildModel, Phase, PhaseKind, Step, StepState, Vertex
from buildtui.buildlog.parser import LineKind
from buildtui.buildlog.summary import BuildSummary, CacheMiss, miss_line
from buildtui.i18n import N_, _
from buildtui.l10n import decimal_mark, number, seconds

STYLES = ("cached", "done", "running", "error", "canceled", "heading", "dim", "harmless", "miss")
"""The semantic style names: a step from the cache (stands out most), a step done, one
running, an error, a canceled step, a heading, a quiet detail, a harmless note, the
step where the cache broke."""

Styles = Mapping[str, Style | str]
SEMANTIC: dict[str, Style | str] = {name: name for name in STYLES}
"""Each name as its own style: the text says what each span is, not its colour."""


def restyled(text: Text, styles: Styles) -> Text:
    """`text` with each semantic style name (a span's or its own) replaced by its style
    in `styles`; other styles (a link's) stay as they are."""
    out = text.copy()
    if isinstance(text.style, str):
        out.style = styles.get(text.style, text.style)
    out.spans = [
        Span(span.start, span.end, styles.get(span.style, span.style))
        if isinstance(span.style, str)
        else span
        for span in text.spans
    ]
    return out


# -- the raw log ---------------------------------------------------------------------

LOG_LINE_STYLES: Mapping[LineKind, str] = {
    LineKind.CACHED: "cached",
    LineKind.ERROR: "error",
    LineKind.CANCELED: "error",
    LineKind.BUILDX_ERROR: "error",
}
"""The raw log's highlights, by line kind; every other kind of line stays plain."""


def highlighted_kind(line: str) -> LineKind | None:
    """The kind of a raw log line that gets a highlight, told from the line alone.

    The parser's rules for those kinds: `#N CACHED`, `#N CANCELED`, `#N ERROR: ...`,
    and buildx's own `ERROR: ...`. A log view holds lines, not parsed lines.
    """
    if line.startswith("#"):
        number, _unused, rest = line[1:].partition(" ")
        if not number.isdigit():
            return None
        if rest == "CACHED":
            return LineKind.CACHED
        if rest == "CANCELED":
            return LineKind.CANCELED
        if rest.startswith("ERROR: "):
            return LineKind.ERROR
        return None
    if line.startswith("ERROR: "):
        return LineKind.BUILDX_ERROR
    return None


def log_line_style(line: str) -> str | None:
    """The semantic style of a raw log line (`cached`, `error`), or None: plain."""
    kind = highlighted_kind(line)
    return None if kind is None else LOG_LINE_STYLES.get(kind)


# -- steps and phases ----------------------------------------------------------------

INSTRUCTION_WIDTH = 60
NARROW_INSTRUCTION = 40
"""The narrowest instruction the `◀ cache broken here` mark is put beside (`step_layout`)."""
MIN_INSTRUCTION = 12
STEP_FRAME = 20
"""A step line's characters besides its instruction: its index, state and time."""
MARK_WIDTH = 23
"""`  ◀ cache broken here ` beside a step."""


def step_layout(columns: int) -> tuple[int, bool]:
    """(how much of each instruction fits in a step line `columns` wide, whether the miss
    mark goes under its step): beside it when that leaves `NARROW_INSTRUCTION` or more."""
    if columns <= 0:
        return INSTRUCTION_WIDTH, False
    beside = columns - STEP_FRAME - MARK_WIDTH
    if beside >= NARROW_INSTRUCTION:
        return min(beside, INSTRUCTION_WIDTH), False
    return max(MIN_INSTRUCTION, min(columns - STEP_FRAME, INSTRUCTION_WIDTH)), True


STAGE_GAP = "  "
"""Between a stage's name and its cached/counted figures."""
STATE_LABELS = {
    StepState.CACHED: " CACHED ",
    StepState.DONE: N_("done"),
    StepState.RUNNING: N_("running"),
    StepState.ERROR: "ERROR",
    StepState.CANCELED: N_("canceled"),
}
"""A step's state as the step view says it (CACHED and ERROR are BuildKit's words, kept;
the others are translated with `_`)."""
OUTCOMES = {
    "found": N_("found"),
    "not-found": N_("not-found"),
    "none": N_("none"),
    "ok": N_("ok"),
    "failed": N_("failed"),
    "unknown": N_("unknown"),
}
"""A summary's cache import, cache export and push states as the summary shows them:
in English the states themselves (data: `--summary-json` keeps them as they are), in
another language their words."""


def outcome_word(value: str) -> str:
    """`found`, `not found`, ... in the current language (an unknown state as it is)."""
    return _(OUTCOMES[value]) if value in OUTCOMES else value


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def state_text(
    vertex: Vertex, now: float, styles: Styles = SEMANTIC, *, succeeded: bool = False
) -> Text:
    """`CACHED`, `done 0.3s`, `running 2.1s`, `ERROR 0.2s` or `canceled`.

    In a build that succeeded, a canceled step is one BuildKit stopped because a
    later step came from the cache: it says `skipped (not needed)`.
    """
    state = vertex.state
    label = STATE_LABELS[state].strip()
    label = STATE_LABELS[state] if label in ("CACHED", "ERROR") else _(label)
    if succeeded and state is StepState.CANCELED:
        label = _("skipped (not needed)")
    text = Text(label, style=styles.get(state.value, ""))
    if state is StepState.DONE or state is StepState.RUNNING or state is StepState.ERROR:
        text.append(f" {number(vertex.elapsed(now), 1)}s", style=styles.get("dim", ""))
    return text


def steps_text(
    model: BuildModel,
    now: float,
    styles: Styles = SEMANTIC,
    *,
    succeeded: bool = False,
    misses: Sequence[CacheMiss] = (),
    instruction_width: int = INSTRUCTION_WIDTH,
    mark_under: bool = False,
) -> Text:
    """Each platform and stage as a heading, its steps in Dockerfile order with their state.

    The first step of a stage that ran instead of coming from the cache (`misses`, once
    the build is over) says `◀ cache broken here`, with the reason on the next line.
    Instructions are cut to `instruction_width` characters (narrower on a projector or
    in a column); with `mark_under` the mark goes under its step (`step_layout`).
    """
    marks = {(m.platform, m.stage, m.index): m for m in misses}
    out = Text()
    groups = model.groups()
    if not groups:
        out.append(_("No Dockerfile steps yet."), style=styles.get("dim", ""))
        return out
    for group in groups:
        cached = sum(1 for s in group.steps if s.was_cached and s.counted)
        counted = sum(1 for s in group.steps if s.counted)
        out.append_text(stage_heading(group.platform, group.stage, cached, counted, styles))
        out.append("\n")
        for step in group.steps:
            out.append_text(
                step_line(step, now, styles, succeeded=succeeded, width=instruction_width)
            )
            miss = marks.get((step.platform, step.stage, step.index))
            if miss is not None:
                out.append("\n      " if mark_under else "  ")
                out.append(" " + _("◀ cache broken here") + " ", style=styles.get("miss", ""))
                out.append(
                    "\n      " + _("why: {detail}").format(detail=miss.detail),
                    style=styles.get("dim", ""),
                )
            out.append("\n")
    out.rstrip()
    return out


def stage_heading(
    platform: str | None,
    stage: str | None,
    cached: int,
    counted: int,
    styles: Styles = SEMANTIC,
) -> Text:
    """`linux/amd64 · build1  3/3 cached`: the stage's name, a gap, then its count.

    The gap is part of the name's span, not a leading space of the count's, so
    nothing that trims or restyles one span can glue the count to the name.
    """
    name = " · ".join(part for part in (platform, stage) if part) or _("build")
    heading = Text()
    heading.append(f"{name}{STAGE_GAP}", style=styles.get("heading", ""))
    heading.append(
        _("{cached}/{counted} cached").format(cached=cached, counted=counted),
        style=styles.get("dim", ""),
    )
    return heading


def step_line(
    step: Step,
    now: float,
    styles: Styles = SEMANTIC,
    *,
    succeeded: bool = False,
    width: int = INSTRUCTION_WIDTH,
) -> Text:
    digits = len(str(step.total))
    line = Text(f"  {step.index:>{digits}}/{step.total} ")
    line.append(f"{_clip(step.instruction, width):<{width}} ")
    line.append_text(state_text(step, now, styles, succeeded=succeeded))
    return line


def phases_text(model: BuildModel, now: float, styles: Styles = SEMANTIC) -> Text:
    """Internal steps, one line each: what the build is loading, importing, exporting."""
    out = Text()
    for phase in model.phases:
        name = phase.kind.value if phase.kind is not PhaseKind.OTHER else phase.name
        if phase.platform:
            name = f"{name} ({phase.platform})"
        if phase.kind is PhaseKind.PUSH or phase.kind is PhaseKind.CACHE_IMPORT:
            name = _clip(phase.name, 50)
        out.append(f"{_clip(name, 50):<50} ")
        if phase.no_cache_yet:
            out.append(_("not found (harmless: no cache yet)"), style=styles.get("harmless", ""))
        else:
            out.append_text(state_text(phase, now, styles))
        if phase.state is StepState.RUNNING and phase.last_status:
            out.append(f"  {_clip(phase.last_status, 40)}", style=styles.get("dim", ""))
        out.append("\n")
    out.rstrip()
    return out


def failure_text(model: BuildModel, styles: Styles = SEMANTIC) -> Text:
    """The failing steps with their error and last log lines."""
    out = Text()
    for vertex in model.failed_steps:
        if isinstance(vertex, Phase) and vertex.kind is PhaseKind.CACHE_IMPORT:
            continue  # explained as harmless or not; never the build's failure
        out.append(f"✗ {vertex.name}\n", style=styles.get("error", ""))
        out.append(f"  {vertex.error}\n", style=styles.get("error", ""))
        lines = vertex.failure_lines if isinstance(vertex, Step) and vertex.failure_lines else []
        for line in lines or list(vertex.log_tail)[-10:]:
            out.append(f"  │ {line}\n", style=styles.get("dim", ""))
    for error in model.buildx_errors:
        out.append(f"ERROR: {error}\n", style=styles.get("error", ""))
    out.rstrip()
    return out


def summary_text(
    summary: BuildSummary, styles: Styles = SEMANTIC, *, replayed_at: Sequence[float] = ()
) -> Text:
    """The summary; `replayed_at`: the speeds a replay of the build ran at (its times are
    the recorded ones, and the first line says so)."""
    out = Text()
    style = styles.get("done" if summary.succeeded else "error", "")
    out.append(_("Build succeeded") if summary.succeeded else _("Build failed"), style=style)
    if summary.exit_code is not None:
        out.append(
            " " + _("(exit code {code})").format(code=summary.exit_code),
            style=styles.get("dim", ""),
        )
    if summary.wall_seconds is not None:
        out.append(" " + _("in {seconds}s").format(seconds=number(summary.wall_seconds, 1)))
    if replayed_at:
        out.append(f" {replay_note(summary, replayed_at)}", style=styles.get("dim", ""))
    out.append("\n" + _("Steps cached:") + " ")
    out.append(f" {summary.cached}/{summary.total} ", style=styles.get("cached", ""))
    for count in summary.per_platform:
        platform = count.platform or _("default platform")
        out.append(f"  {platform} {count.cached}/{count.total}")
    out.append(
        "\n  "
        + _("(Dockerfile steps, each platform's once; internal and FROM steps left out)")
        + "\n"
    )
    out.append_text(_outcome(_("Cache import"), summary.cache_import, styles))
    out.append_text(_outcome("  " + _("Cache export"), summary.cache_export, styles))
    out.append_text(_outcome("  " + _("Push"), summary.push, styles))
    for miss in summary.first_misses:
        out.append("\n" + _("Cache broken here:") + " ", style=styles.get("miss", ""))
        out.append(miss_line(miss))
    if summary.pushed_digest:
        out.append(
            "\n" + _("Pushed {ref}").format(ref=f"{summary.pushed[-1][0]}@{summary.pushed_digest}")
        )
    return out


def speeds_text(speeds: Sequence[float]) -> str:
    """`0.5x`, or `0.5x, then 2x` when the speed was changed."""
    shown = [f"{decimal_mark(f'{speed:g}')}x" for speed in speeds]
    return _(", then ").join(shown)


def replay_note(summary: BuildSummary, speeds: Sequence[float]) -> str:
    """What a replay's summary adds: its times are the recorded ones, and its speed."""
    if summary.wall_seconds is None:
        return _("(no wall time was recorded; replayed at {speeds})").format(
            speeds=speeds_text(speeds)
        )
    return _("(as recorded; replayed at {speeds})").format(speeds=speeds_text(speeds))


def _outcome(label: str, value: str, styles: Styles) -> Text:
    name = {"found": "done", "ok": "done", "not-found": "canceled", "failed": "error"}.get(value)
    text = Text(f"{label}: ")
    text.append(outcome_word(value), style=styles.get(name, "") if name else styles.get("dim", ""))
    return text


def explanations_text(items: Sequence[Explanation], styles: Styles = SEMANTIC) -> Text:
    out = Text()
    for item in items:
        style = styles.get("harmless" if item.harmless else "error", "")
        title, explanation, fix = item.shown()
        out.append(("ⓘ " if item.harmless else "⚠ ") + title + "\n", style=style)
        out.append(
            f"  {explanation}\n  " + _("Fix: {fix}").format(fix=fix) + "\n  " + _("Docs:") + " "
        )
        out.append(item.docs_url, style=Style(link=item.docs_url))
        out.append("\n")
    out.rstrip()
    return out


def summary_lines(summary: BuildSummary) -> list[str]:
    """The summary in a few plain lines (the command line's)."""
    per_platform = ", ".join(
        f"{p.platform or _('default platform')} {p.cached}/{p.total}" for p in summary.per_platform
    )
    steps = f"{summary.cached}/{summary.total}"
    lines = [
        (
            _("Steps cached: {steps} ({per_platform}) - Dockerfile steps without FROM")
            if per_platform
            else _("Steps cached: {steps} - Dockerfile steps without FROM")
        ).format(steps=steps, per_platform=per_platform),
        _("Cache import: {cache_import} · cache export: {cache_export} · push: {push}").format(
            cache_import=outcome_word(summary.cache_import),
            cache_export=outcome_word(summary.cache_export),
            push=outcome_word(summary.push),
        ),
    ]
    for miss in summary.first_misses:
        lines.append(_("Cache broken here: {miss}").format(miss=miss_line(miss)))
    if summary.pushed_digest:
        lines.append(
            _("Pushed: {ref}").format(ref=f"{summary.pushed[-1][0]}@{summary.pushed_digest}")
        )
    wall = seconds(summary.wall_seconds) if summary.wall_seconds is not None else _("unknown")
    lines.append(
        _("Wall time: {wall} · exit code {code}").format(wall=wall, code=summary.exit_code)
    )
    return lines
