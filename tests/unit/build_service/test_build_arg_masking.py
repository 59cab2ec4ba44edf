"""--build-arg values masked in everything buildtui shows or keeps of a build: the log as
it arrives (BuildKit's expanded step names included), steps and summaries, the history
database, --summary-json, the lab report and the debug log; shown by `buildtui build
--show-build-arg-values` and still never kept."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import zlib
from pathlib import Path
from typing import Any

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.builds.arg_values import BuildArgMask, build_arg_values, mask_for
from buildtui.builds.history import BuildHistory
from buildtui.builds.live import LiveBuild
from buildtui.commands.build import run_build
from tests.fakes.build import ReplayBuildService

SECRET = "hunter2-token"
DOCKERFILE = """\
FROM busybox AS base
ARG SECRET
ARG N
ARG FLAG
RUN echo $SECRET && echo ${N} \\
    && test "${FLAG:-no}" = ok
RUN sleep 1 && echo done
"""
ARGV = [
    "docker", "buildx", "build", "--build-arg", f"SECRET={SECRET}", "--build-arg=N=1",
    "--build-arg", "FLAG", "-f", "Dockerfile", ".",
]  # fmt: skip
ENVIRON = {"FLAG": "ok"}
EXPANDED = f'echo {SECRET} && echo 1 && test "ok" = ok'
LOG = [
    '#0 building with "default" instance using docker driver',
    "#5 [base 2/3] RUN " + EXPANDED,
    f"#5 0.201 {SECRET}",
    "#5 0.202 1",
    "#5 DONE 0.3s",
    "#6 [base 3/3] RUN sleep 1 && echo done",
    "#6 1.1 done",
    "#6 DONE 1.2s",
    f'ERROR: process "/bin/sh -c {EXPANDED}" did not complete successfully: exit code: 1',
]


def mask() -> BuildArgMask:
    made = mask_for(ARGV, ENVIRON, DOCKERFILE)
    assert made is not None
    return made


def test_long_values_are_masked_everywhere_short_ones_where_they_were_expanded() -> None:
    masked = [mask()(line) for line in LOG]
    step = 'RUN echo «SECRET» && echo «N» && test "«FLAG»" = ok'
    assert masked[1] == f"#5 [base 2/3] {step}"
    assert masked[2] == "#5 0.201 «SECRET»"
    assert masked[3] == "#5 0.202 1"  # a short value in a step's own output stays
    assert masked[5] == "#6 [base 3/3] RUN sleep 1 && echo done"  # not this step's `1`
    assert masked[8].startswith('ERROR: process "/bin/sh -c echo «SECRET» && echo «N»')


def test_values_come_from_flags_and_the_environment() -> None:
    assert build_arg_values(ARGV, ENVIRON) == {"SECRET": SECRET, "N": "1", "FLAG": "ok"}
    assert mask_for(["docker", "buildx", "build", "."], {}, DOCKERFILE) is None


def test_a_multi_line_value_is_masked_line_by_line() -> None:
    made = BuildArgMask({"KEY": "-----BEGIN KEY-----\nabcdefgh\n-----END KEY-----"})
    assert made("#4 0.1 abcdefgh") == "#4 0.1 «KEY»"


def test_a_short_value_is_masked_in_a_step_continued_over_a_comment_line() -> None:
    """BuildKit leaves a comment line inside a continuation out of the step, and joins
    lines that end with the escape character the `# escape=` directive chose."""
    made = BuildArgMask(
        {"N": "1"}, "FROM x\nARG N\nRUN echo ${N} \\\n    # the count\n    && echo done\n"
    )
    assert made("#5 [2/2] RUN echo 1 && echo done") == "#5 [2/2] RUN echo «N» && echo done"
    backtick = BuildArgMask({"N": "1"}, "# escape=`\nFROM x\nARG N\nRUN echo $N `\n  && ls\n")
    assert backtick("#5 [2/2] RUN echo 1 && ls") == "#5 [2/2] RUN echo «N» && ls"


def test_a_long_line_of_references_is_read_in_one_pass() -> None:
    text = "FROM x\nRUN " + "${N:-" * 200_000 + "\n"
    made = BuildArgMask({"N": "1"}, text)  # a backtracking pattern took minutes here
    assert made.empty


def _live(masking: bool = True) -> LiveBuild:
    live = LiveBuild(ARGV)
    live.mask = mask()
    live.masking = masking
    live.add(LOG)
    live.finish(1)
    return live


def test_the_steps_and_the_summary_never_see_a_value() -> None:
    live = _live()
    assert not any(SECRET in line for line in live.lines)
    assert live.summary is not None
    text = json.dumps(live.summary.to_json(), ensure_ascii=False)
    assert SECRET not in text and "«SECRET»" in text
    assert all(
        "«N»" in s.instruction for s in live.summary.steps if "echo «SECRET»" in s.instruction
    )


def raw_bytes(path: Path) -> bytes:
    """The database file and its journals, and every log in it decompressed."""
    data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with sqlite3.connect(path) as db:
        for (log,) in db.execute("SELECT log FROM builds"):
            data += zlib.decompress(log)
    return data


def test_the_history_database_holds_no_value_and_r_still_runs_it(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "builds.sqlite3")
    build = _live().keep(history)
    data = raw_bytes(history.path)
    assert SECRET.encode() not in data and b"N=1" not in data
    assert b"SECRET=\xe2\x80\xa6" in data  # NAME=… in the command
    # The whole command, for `r`, is beside it: owner-only.
    assert history.get(build).entry.argv == tuple(ARGV)
    assert history.list()[0].argv == tuple(ARGV)
    assert stat.S_IMODE(history.values_path.stat().st_mode) == 0o600
    history.delete(build)
    assert str(build) not in json.loads(history.values_path.read_text())


def test_values_shown_on_request_are_still_not_kept(tmp_path: Path) -> None:
    live = _live(masking=False)
    assert any(SECRET in line for line in live.lines)
    history = BuildHistory(tmp_path / "builds.sqlite3")
    live.keep(history)
    assert SECRET.encode() not in raw_bytes(history.path)


def test_an_older_history_with_values_is_masked_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "builds.sqlite3"
    BuildHistory(path).list()  # the table
    summary = summarize(BuildModel(), exit_code=0, wall_seconds=1.0)
    blob = zlib.compress(f"#5 0.2 {SECRET}".encode())
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO builds (started, argv, command, exit_code, canceled, summary, log,"
            " log_lines) VALUES (1, ?, ?, 0, 0, ?, ?, 1)",
            (json.dumps(ARGV), " ".join(ARGV), json.dumps(summary.to_json()), blob),
        )
    history = BuildHistory(path)
    assert history.list()[0].argv == tuple(ARGV)
    data = raw_bytes(path)
    assert SECRET.encode() not in data and "«SECRET»".encode() in data


def _cli(tmp_path: Path, *, shown: bool) -> tuple[str, str, BuildHistory]:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    out = io.StringIO()
    history = BuildHistory(tmp_path / f"h{shown}.sqlite3")
    summary = tmp_path / f"summary{shown}.json"
    argv = [*ARGV[:-3], "-f", str(tmp_path / "Dockerfile"), str(tmp_path)]
    run_build(
        argv, ReplayBuildService(LOG, exit_code=1), out, summary_json=summary,
        build_arg_values=shown, history=history,
    )  # fmt: skip
    return out.getvalue(), summary.read_text(), history


def test_buildtui_build_prints_and_writes_no_value(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("FLAG", "ok")
    output, summary, history = _cli(tmp_path, shown=False)
    assert SECRET not in output and SECRET not in summary
    assert "RUN echo «SECRET» && echo «N»" in output
    assert SECRET.encode() not in raw_bytes(history.path)


def test_buildtui_build_shows_values_when_asked_but_keeps_none(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("FLAG", "ok")
    output, summary, history = _cli(tmp_path, shown=True)
    assert f"SECRET={SECRET}" in output and f"RUN echo {SECRET}" in output
    assert SECRET in summary
    assert SECRET.encode() not in raw_bytes(history.path)


def test_the_lab_report_holds_no_value(tmp_path: Path) -> None:
    from buildtui.i18n import translator
    from buildtui.lab.guide import evaluate
    from buildtui.lab.report import ReportReads, build_blocks
    from buildtui.lab.report_render import render
    from tests.unit.lab.test_guide import observations

    history = BuildHistory(tmp_path / "builds.sqlite3")
    _live().keep(history)
    obs = observations(tmp_path, entries=tuple(history.list()))
    _ = translator("en")
    reads = ReportReads(log_of=lambda i: history.get(i).log)
    blocks = build_blocks(evaluate(obs, _), obs, reads, _)
    for fmt in ("md", "html"):
        text = render(blocks, fmt, "en")
        assert "«SECRET»" in text and SECRET not in text


def test_the_debug_log_holds_no_value(tmp_path: Path) -> None:
    from buildtui import logs

    path = tmp_path / "buildtui.log"
    logs.configure("debug", path)
    started = logs.command(ARGV)
    logs.finished(ARGV, 0, started)
    logs.configure("off")
    text = path.read_text()
    assert "SECRET=…" in text and SECRET not in text
