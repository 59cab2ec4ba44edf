"""--build-arg values: kept whole in an owner-only history, shown as NAME=… unless asked."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.builds.history import BuildHistory
from buildtui.builds.options import shown_command
from buildtui.cli import build_parser
from buildtui.commands.build import run_build
from tests.fakes.build import ReplayBuildService, captured_log

ARGV = [
    "docker", "buildx", "build", "--build-arg", "TOKEN=s3cret value",
    "--build-arg=PASS=a=b", "--build-arg", "FROM_ENV", "--label", "team=lab7", ".",
]  # fmt: skip


SUMMARY = summarize(BuildModel(), exit_code=0, wall_seconds=1.0)


def test_values_show_as_name_and_an_ellipsis() -> None:
    assert shown_command(ARGV) == (
        "docker buildx build --build-arg TOKEN=… --build-arg=PASS=… "
        "--build-arg FROM_ENV --label team=lab7 ."
    )


def test_values_show_when_asked() -> None:
    line = shown_command(ARGV, build_arg_values=True)
    assert "--build-arg 'TOKEN=s3cret value'" in line and "--build-arg=PASS=a=b" in line


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def add(history: BuildHistory) -> int:
    return history.add(started=1.0, argv=ARGV, command="", summary=SUMMARY, log_lines=["#1"])


def test_the_history_is_created_for_the_owner_only(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "data" / "builds.sqlite3")
    build = add(history)
    assert mode(tmp_path / "data") == 0o700
    assert mode(history.path) == 0o600
    # The values are kept: re-running must run exactly what ran.
    assert history.get(build).entry.argv == tuple(ARGV)


def test_an_existing_readable_history_is_made_private_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    path = folder / "builds.sqlite3"
    add(BuildHistory(path))
    os.chmod(folder, 0o755)
    os.chmod(path, 0o644)
    journal = folder / "builds.sqlite3-journal"
    journal.write_bytes(b"")
    os.chmod(journal, 0o644)

    assert len(BuildHistory(path).list()) == 1
    assert (mode(folder), mode(path), mode(journal)) == (0o700, 0o600, 0o600)


def test_the_cli_hides_values_unless_the_flag_asks(capsys: pytest.CaptureFixture[str]) -> None:
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    hidden, shown = io.StringIO(), io.StringIO()
    run_build(ARGV, service, hidden)
    run_build(ARGV, service, shown, build_arg_values=True)
    assert hidden.getvalue().splitlines()[0].startswith("$ docker buildx build --build-arg TOKEN=…")
    assert "s3cret" not in hidden.getvalue()
    assert "'TOKEN=s3cret value'" in shown.getvalue().splitlines()[0]
    assert service.started == [ARGV, ARGV]  # buildx gets the values either way
    args = build_parser().parse_args(["build", "--show-build-arg-values", "--", "."])
    assert args.show_build_arg_values and args.buildx_args == ["--", "."]
    assert not build_parser().parse_args(["build", "--", "."]).show_build_arg_values
