"""Pure presentation of builds: history rows, the status line, two builds compared.

Shared by the Build pane and its screens; plain strings and Rich text, no UI library.
Styles are the semantic names of `buildtui.buildlog.presentation` (`cached`, `done`,
`error` ...), which the caller maps to its own colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from buildtui.buildlog.model import BuildModel, PhaseKind, StepState
from buildtui.buildlog.presentation import (
    SEMANTIC,
    Styles,
    outcome_word,
    replay_note,
    speeds_text,
)
from buildtui.buildlog.summary import BuildSummary, miss_line
from buildtui.builds.command import Spec, buildx_arguments, output_spec, parse_command
from buildtui.builds.forecast import judge
from buildtui.builds.history import BuildEntry, Comparison
from buildtui.builds.live import LiveBuild
from buildtui.builds.replay import FIXED_RATE, ReplaySession
from buildtui.i18n import N_, _, language, ngettext
from buildtui.l10n import day_time_seconds, decimal_mark, number
from buildtui.registry.reference import registry_of, same_registry
from buildtui.untrusted import screen_text


def buildx_args(argv: Sequence[str]) -> list[str]:
    """The arguments after `docker ... buildx build` in a kept command, without the
    `--progress=plain` the app adds."""
    return [a for a in buildx_arguments(list(argv)) if a != "--progress=plain"]


# -- the history ---------------------------------------------------------------------

HISTORY_COLUMNS = (
    N_("#"), N_("when"), N_("result"), N_("cached"), N_("wall"), N_("tags"), N_("platforms"),
    N_("output"), N_("cache"), N_("cache broken first at"), N_("forecast"),
)  # fmt: skip
"""The history's headings (English: translate with `_`)."""


def history_row(entry: BuildEntry, build_arg_values: bool = False) -> tuple[str, ...]:
    """One history table row: what tells builds apart (tags, cache refs, platforms),
    not the command, which reads the same on every row (`o` opens it; `--build-arg`
    values show as `NAME=…` there unless asked)."""
    summary = entry.summary
    if entry.canceled:
        result = _("canceled")
    elif summary.exit_code == 0:
        result = _("ok")
    else:
        result = _("failed ({code})").format(code=summary.exit_code)
    if entry.imported:  # another machine's, or a plain log's: see `history show`
        result += " · " + _("imported")
    wall = f"{number(summary.wall_seconds, 1)}s" if summary.wall_seconds is not None else "-"
    when = history_when(entry.started)
    tags, cache, platforms = build_traits(entry.argv)
    return (str(entry.id), when, result, f"{summary.cached}/{summary.total}", wall, tags,
            platforms, output_cell(entry.argv), cache, first_miss_cell(summary),
            forecast_cell(entry))  # fmt: skip


def history_when(started: float) -> str:
    """When a build started, in the history: `12-06 12:42:07` (`6.12 12:42:07`)."""
    moment = datetime.fromtimestamp(started)
    if language() == "pl":
        return f"{moment.day}.{moment.month:02d} {moment:%H:%M:%S}"
    return moment.strftime("%m-%d %H:%M:%S")


def short_ref(ref: str) -> str:
    """`localhost:5000/lab:cachetest` -> `lab:cachetest` (the registry host left out)."""
    first, _unused, rest = ref.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else ref


def cache_ref(spec: Spec) -> str:
    """`type=registry,ref=localhost:5000/cachedata1,mode=max` -> `cachedata1 max`."""
    fields = spec.fields
    where = (
        fields.get("ref")
        or fields.get("dest")
        or fields.get("src")
        or spec.registry_ref
        or fields.get("type", "")
    )
    mode = f" {spec.mode}" if spec.mode is not None else ""
    return short_ref(where) + mode


def build_traits(argv: Sequence[str]) -> tuple[str, str, str]:
    """(tags, cache, platforms) of a kept command, short: `lab:cachetest`,
    `to cachedata1 max, from cachedata1`, `amd64+arm64`."""
    command = parse_command(buildx_args(argv))
    cache = [f"to {cache_ref(spec)}" for spec in command.cache_to]
    cache += [f"from {cache_ref(spec)}" for spec in command.cache_from]
    arches = [p.removeprefix("linux/") for p in command.platforms]
    return (
        " ".join(short_ref(tag) for tag in command.tags) or "-",
        ", ".join(cache) or "-",
        "+".join(a for a in arches if a) or "default",
    )


SHORTHANDS = {"--push": "registry", "--load": "docker"}
"""The flags that stand for an exporter."""
EXPORTER_NAMES = {"registry": "registry (push)", "docker": "docker (load)"}


def output_cell(argv: Sequence[str]) -> str:
    """Where a kept command's result went, in the lab's exporter names: `registry (push)`,
    `docker (load)`, `local ./out`, `oci out.tar`; `default` without a flag."""
    command = parse_command(buildx_args(argv))
    outputs: list[str] = []
    for flag, value in command.flags:
        if flag in SHORTHANDS and command.on(flag, value):
            outputs.append(EXPORTER_NAMES[SHORTHANDS[flag]])
        elif flag in ("-o", "--output") and value is not None:
            outputs.append(_exporter(output_spec(value)))
    return ", ".join(dict.fromkeys(outputs)) or "default"


def _exporter(spec: Spec) -> str:
    """`type=local,dest=./out` -> `local ./out`; a bare path is a local export."""
    if "=" not in spec.raw:
        return f"local {spec.raw}" if spec.raw != "-" else "tar (stdout)"
    kind = spec.fields.get("type", "local")
    where = spec.dest or ""
    return " ".join(part for part in (EXPORTER_NAMES.get(kind, kind), where) if part)


def first_miss_cell(summary: BuildSummary) -> str:
    """The history's "cache broken first at" cell: the first miss and its reason."""
    if not summary.first_misses:
        return "-"
    first = summary.first_misses[0]
    more = f" (+{len(summary.first_misses) - 1})" if len(summary.first_misses) > 1 else ""
    return f"{first.index} {first.instruction[:24]}: {first.reason}{more}"


def forecast_cell(entry: BuildEntry) -> str:
    """The history's "forecast" cell: whether the forecast made before the build was
    right, and if not, where it differed first."""
    if entry.forecast is None:
        return "-"
    right, differences = judge(entry.forecast, entry.summary)
    if right is None:
        return _("? (nothing to compare)")
    if right:
        return _("✓ right")
    first = differences[0] if differences else ""
    if not first:
        return _("✗ wrong")
    return _("✗ wrong: {difference}").format(
        difference=f"{first[:50]}{'…' if len(first) > 50 else ''}"
    )


# -- a build in progress or finished -------------------------------------------------


def pushed_to(live: LiveBuild, registry_host: str) -> bool:
    """The build pushed an image, or exported a cache image, to the lab registry
    (`registry_host`, or another loopback name of it: `localhost:5000`, `127.0.0.1:5000`)."""
    summary = live.summary
    if summary is None:
        return False
    refs = [ref for ref, _unused in summary.pushed]
    if summary.cache_export == "ok":
        refs += [ref for spec in parse_command(live.argv).cache_to if (ref := spec.registry_ref)]
    return any(same_registry(registry_of(ref), registry_host) for ref in refs)


def status_line(live: LiveBuild, lines: int) -> str:
    """The pane's one-line status: running steps while it runs, then the outcome
    (the caller holds `live.lock`; `lines` counts those dropped to save memory too)."""
    wall = live.wall_seconds()
    if live.running:
        running = len(live.model.running)
        return ngettext(
            "Building · {seconds}s · {running} step running · {lines} lines · F8 cancels",
            "Building · {seconds}s · {running} steps running · {lines} lines · F8 cancels",
            running,
        ).format(seconds=f"{wall:.0f}", running=running, lines=lines)
    summary = live.summary
    if summary is None:
        return _("The build did not start.")
    if summary.wall_seconds is not None:  # a replay's: the recorded one
        wall = summary.wall_seconds
    n = summary.total  # the noun agrees with the total: "3/10 kroków", "3/3 kroki"
    if live.canceled:
        state = ngettext(
            "Build canceled · {cached}/{total} step cached · {seconds}s · {lines} lines",
            "Build canceled · {cached}/{total} steps cached · {seconds}s · {lines} lines",
            n,
        )
    elif summary.succeeded:
        state = ngettext(
            "Build succeeded · {cached}/{total} step cached · {seconds}s · {lines} lines",
            "Build succeeded · {cached}/{total} steps cached · {seconds}s · {lines} lines",
            n,
        )
    else:
        state = ngettext(
            "Build failed · {cached}/{total} step cached · {seconds}s · {lines} lines",
            "Build failed · {cached}/{total} steps cached · {seconds}s · {lines} lines",
            n,
        )
    done = state.format(
        cached=summary.cached, total=summary.total, seconds=number(wall, 1), lines=lines
    )
    return done + " · " + _("F4: log")


def glance_text(
    live: LiveBuild,
    styles: Styles = SEMANTIC,
    *,
    speeds: Sequence[float] = (),
    narrow: bool = False,
) -> Text:
    """Two lines that stay in view under the steps, however many steps there are: how the
    build went (or goes) with its CACHED count, then its cache import, export and push.
    `speeds`: it is a replay, at those speeds (its times are the recorded ones). `narrow`:
    a column of two side by side (the speeds and the platforms' counts left out). The
    caller holds `live.lock`."""
    summary = live.summary
    out = Text()
    if summary is None or live.running:
        counted = [s for g in live.model.groups() for s in g.steps if s.counted]
        cached = sum(1 for s in counted if s.was_cached)
        out.append(_("Replaying") if speeds else _("Building"), style=styles.get("running", ""))
        out.append(" · CACHED ")
        out.append(f" {cached}/{len(counted)} ", style=styles.get("cached", ""))
        out.append(" " + _("so far") + "\n" + _("Cache import:") + " ")
        out.append(_import_so_far(live.model), style=styles.get("dim", ""))
        return out
    if live.canceled:
        state = _("Build canceled")
    else:
        state = _("Build succeeded") if summary.succeeded else _("Build failed")
    out.append(state, style=styles.get("done" if summary.succeeded else "error", ""))
    if summary.wall_seconds is not None:
        out.append(" " + _("in {seconds}s").format(seconds=number(summary.wall_seconds, 1)))
    if speeds and not narrow:
        out.append(f" {replay_note(summary, speeds)}", style=styles.get("dim", ""))
    out.append(" · CACHED ")
    out.append(f" {summary.cached}/{summary.total} ", style=styles.get("cached", ""))
    out.append("\n")
    per_platform = ", ".join(
        f"{p.platform or _('default')} {p.cached}/{p.total}" for p in summary.per_platform
    )
    if per_platform and not narrow:
        out.append(f"{per_platform} · ")
    states = {
        "cache_import": outcome_word(summary.cache_import),
        "cache_export": outcome_word(summary.cache_export),
        "push": outcome_word(summary.push),
    }
    if narrow:
        out.append(
            _("Cache import: {cache_import} · export: {cache_export} · push: {push}").format(
                **states
            )
        )
    else:
        out.append(
            _("Cache import: {cache_import} · Cache export: {cache_export} · Push: {push}").format(
                **states
            )
        )
    return out


def _import_so_far(model: BuildModel) -> str:
    """The cache import while the build runs: none (yet), importing, found or not-found
    (the summary's words)."""
    imports = model.phases_of(PhaseKind.CACHE_IMPORT)
    if not imports:
        return _("none (yet)")
    if any(p.state is StepState.DONE or p.state is StepState.CACHED for p in imports):
        return outcome_word("found")
    if any(p.state is StepState.RUNNING for p in imports):
        return _("importing")
    return outcome_word("not-found")


# -- a replay --------------------------------------------------------------------------


def replay_banner(session: ReplaySession, state: str) -> Text:
    """`REPLAY build #2 (recorded 2025-05-01 14:03:12) · 0.5x · playing`: which build
    (where it came from if imported), when it was recorded, the speed and `state`
    (playing, paused, finished). Side by side, both builds (the columns say when)."""
    out = Text()
    out.append(" REPLAY ", style="reverse bold")
    if session.side_by_side:
        first, second = (record.entry for record in session.records)
        out.append(
            " "
            + _("#{first} beside #{second}, at the same pace").format(
                first=first.id, second=second.id
            )
        )
    else:
        out.append(" " + _("build {build}").format(build=replayed_build(session.records[0].entry)))
    out.append(f" · {speeds_text([session.clock.speed])} · {_(state)}")
    unpaced = list(dict.fromkeys(s.record.entry.id for s in session.services if not s.paced))
    rate = decimal_mark(f"{FIXED_RATE:g}")
    if unpaced and session.side_by_side:
        ids = _(" and ").join(f"#{build_id}" for build_id in unpaced)
        out.append(
            " · " + _("{ids} kept without timing: {rate} lines a second").format(ids=ids, rate=rate)
        )
    elif unpaced:
        out.append(" · " + _("kept without timing: {rate} lines a second").format(rate=rate))
    return out


def replayed_build(entry: BuildEntry, when: str | None = None) -> str:
    """`#2 (recorded 2025-05-01 14:03:12)`, or where an imported build came from."""
    when = when or started_text(entry)
    if entry.source == "plain-log":
        return _("#{id} (imported plain log {origin}, file of {when})").format(
            id=entry.id, origin=entry.origin or "", when=when
        )
    if entry.imported:
        return _("#{id} (imported: {origin}, recorded {when})").format(
            id=entry.id, origin=entry.origin or _("a file"), when=when
        )
    return _("#{id} (recorded {when})").format(id=entry.id, when=when)


def replay_status_line(session: ReplaySession, lives: Sequence[LiveBuild]) -> str:
    """The pane's one-line status during a replay: where the recorded time is, then how
    each build ended (the caller holds nothing: it reads the lives' summaries only)."""
    ids = _(" and ").join(f"#{record.entry.id}" for record in session.records)
    walls = [r.entry.summary.wall_seconds for r in session.records]
    known = [w for w in walls if w is not None]
    length = max(known) if known else session.duration
    if any(live.running for live in lives):
        at = min(session.clock.now(), length)
        lines = sum(len(live.lines) for live in lives)
        pace = (
            _("as recorded")
            if session.paced
            else _("at {rate} lines a second").format(rate=decimal_mark(f"{FIXED_RATE:g}"))
        )
        return _("Replaying {ids} · {at}s of {length}s {pace} · {lines} lines").format(
            ids=ids, at=number(at, 1), length=number(length, 1), pace=pace, lines=lines
        )
    ended = []
    for record, live in zip(session.records, lives, strict=False):
        summary = live.summary
        if summary is None or live.canceled:
            ended.append(_("#{id} stopped").format(id=record.entry.id))
        else:
            ended.append(
                _("#{id} {cached}/{total} cached").format(
                    id=record.entry.id, cached=summary.cached, total=summary.total
                )
            )
    return _("Replay finished · {ended}").format(ended=" · ".join(ended))


# -- two builds compared -------------------------------------------------------------


def started_text(entry: BuildEntry) -> str:
    """When the build started, to the second, in local time."""
    return day_time_seconds(entry.started)


def comparison_table(comparison: Comparison, styles: Styles = SEMANTIC) -> Table:
    """Every step of both builds with its state before and after: a step that came from
    the cache now (`cached`) or still (`done`), one that ran instead (`error`)."""
    old, new = comparison.old, comparison.new
    table = Table(expand=True, show_edge=False)
    table.add_column(_("platform · stage"))
    table.add_column(_("step"))
    table.add_column(f"#{old.id} {started_text(old)}")
    table.add_column(f"#{new.id} {started_text(new)}")
    for change in comparison.changes:
        label = " · ".join(p for p in (change.platform, change.stage) if p) or _("build")
        became_cached = change in comparison.now_cached
        after = Text(change.after.upper() if change.after == "cached" else _state(change.after))
        if change.after == "cached":
            after.stylize(styles.get("cached" if became_cached else "done", ""))
        elif change in comparison.now_run:
            after = Text(
                _("{state} (was CACHED)").format(state=_state(change.after)),
                style=styles.get("error", ""),
            )
            if change.seconds_after is not None:
                after.append(f" {number(change.seconds_after, 1)}s")
        before = change.before.upper() if change.before == "cached" else _state(change.before)
        if change.seconds_before is not None and change.before == "done":
            before += f" {number(change.seconds_before, 1)}s"
        # A str cell of a Rich table is markup: the step's text (a Dockerfile's, from disk)
        # goes in as screen text.
        table.add_row(
            screen_text(label),
            screen_text(f"{change.index} {change.instruction}"),
            screen_text(before),
            screen_text(after),
        )
    return table


def comparison_headline(comparison: Comparison) -> str:
    """Both directions with their time, the later build's first miss, the wall time."""
    old_wall, new_wall = comparison.old.summary.wall_seconds, comparison.new.summary.wall_seconds
    if old_wall is not None and new_wall is not None:
        delta = old_wall - new_wall
        verdict = (
            _("{seconds}s saved").format(seconds=number(delta, 1))
            if delta >= 0
            else _("{seconds}s lost").format(seconds=number(-delta, 1))
        )
        wall = _("wall time {before}s -> {after}s ({verdict})").format(
            before=number(old_wall, 1), after=number(new_wall, 1), verdict=verdict
        )
    else:
        wall = _("wall time unknown")
    misses = comparison.new.summary.first_misses
    if not misses:
        first = _("#{id} recorded no cache miss.").format(id=comparison.new.id)
    elif len(misses) > 1:
        first = ngettext(
            "First miss of #{id}: {miss} (and {more} more stage)",
            "First miss of #{id}: {miss} (and {more} more stages)",
            len(misses) - 1,
        ).format(id=comparison.new.id, miss=miss_line(misses[0]), more=len(misses) - 1)
    else:
        first = _("First miss of #{id}: {miss}").format(
            id=comparison.new.id, miss=miss_line(misses[0])
        )
    steps = ngettext(
        "{cached} step went from run to CACHED ({saved}s of step time saved), {run} from "
        "CACHED to run ({lost}s lost); {wall}.",
        "{cached} steps went from run to CACHED ({saved}s of step time saved), {run} from "
        "CACHED to run ({lost}s lost); {wall}.",
        len(comparison.now_cached),
    ).format(
        cached=len(comparison.now_cached),
        saved=number(comparison.step_seconds_saved, 1),
        run=len(comparison.now_run),
        lost=number(comparison.step_seconds_lost, 1),
        wall=wall,
    )
    return f"{steps}\n{first}"


STEP_STATES = {"done": N_("done"), "error": N_("error"), "canceled": N_("canceled")}


def _state(state: str) -> str:
    """A step's state in a comparison, in the current language (CACHED as BuildKit says it)."""
    return _(STEP_STATES[state]) if state in STEP_STATES else state
