"""A real build with `--build-arg SECRET=...` whose Dockerfile does `ARG SECRET` and
`RUN echo $SECRET` (BuildKit expands it into the step's name and the step prints it):
neither buildtui build's output, its --summary-json, the history database, the lab
report nor the debug log holds the value; `--show-build-arg-values` prints it and the
history still does not keep it. Through `buildtui build`'s own code, on the engine's
default builder, with a unique RUN text so no other build's cache answers."""

from __future__ import annotations

import io
import sqlite3
import zlib
from pathlib import Path

import pytest

from buildtui import logs
from buildtui.builds.history import BuildHistory
from buildtui.builds.options import argv_for_arguments
from buildtui.builds.runner import BuildRunner
from buildtui.commands.build import run_build
from buildtui.settings import Settings
from tests.integration.lab import BASE_IMAGE_PARTS, unique


def stored_bytes(path: Path) -> bytes:
    data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with sqlite3.connect(path) as db:
        for (log,) in db.execute("SELECT log FROM builds"):
            data += zlib.decompress(log)
    return data


@pytest.mark.usefixtures("engine")
def test_a_real_build_s_argument_value_is_nowhere(tmp_path: Path) -> None:
    token = unique("mask")
    secret = f"hunter2-{token}"
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM {BASE_IMAGE_PARTS['amd64']}\nARG SECRET\nARG N\n"
        f"RUN echo $SECRET {token} && echo ${{N}}\n"
    )
    history = BuildHistory(tmp_path / "builds.sqlite3")
    log_path = tmp_path / "buildtui.log"
    logs.configure("debug", log_path)
    outputs = {}
    try:
        for shown in (False, True):
            out = io.StringIO()
            args = [
                "--builder", "default", "--no-cache", "--build-arg", f"SECRET={secret}",
                "--build-arg", "N=7", "-o", f"type=local,dest={tmp_path / 'out'}",
                "-f", str(context / "Dockerfile"), str(context),
            ]  # fmt: skip
            code = run_build(
                argv_for_arguments(args, Settings()),
                BuildRunner(),
                out,
                summary_json=tmp_path / f"summary-{shown}.json",
                build_arg_values=shown,
                history=history,
            )
            assert code == 0, out.getvalue()
            outputs[shown] = out.getvalue()
    finally:
        logs.configure("off")

    hidden = outputs[False]
    assert f"RUN echo «SECRET» {token} && echo «N»" in hidden  # BuildKit's expanded name
    assert secret not in hidden
    assert secret not in (tmp_path / "summary-False.json").read_text()
    assert f"RUN echo {secret} {token}" in outputs[True]  # shown when asked
    assert secret in (tmp_path / "summary-True.json").read_text()
    assert secret.encode() not in stored_bytes(history.path)
    assert secret not in log_path.read_text()

    from dataclasses import replace

    from buildtui.lab.checklist import ExportCheck
    from buildtui.lab.guide import evaluate
    from buildtui.lab.i18n import translator
    from buildtui.lab.report import ReportReads, build_blocks
    from buildtui.lab.report_render import render
    from tests.unit.lab.test_guide import observations

    builds = tuple(reversed(history.list()))
    exports = tuple(
        ExportCheck(b.id, "local", str(tmp_path / "out"), True) for b in builds
    )  # item 5 (another exporter) shows the builds' commands
    obs = replace(observations(tmp_path, entries=builds), exports=exports)
    _ = translator("en")
    reads = ReportReads(log_of=lambda i: history.get(i).log)
    blocks = build_blocks(evaluate(obs, _), obs, reads, _)
    for fmt in ("md", "html"):
        report = render(blocks, fmt, "en")
        assert "SECRET=…" in report and secret not in report  # item 5: an exporter
    # `r` still runs exactly what ran: the whole command is kept beside the database.
    assert f"SECRET={secret}" in history.list()[0].argv
