"""The twins' human output: every write made visible at the output layer, buildtui's own
colours kept, `--json` unchanged; an error no handler expected is one line and a log."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildtui import cli, logs
from buildtui.cli import build_parser
from buildtui.commands import doctor
from buildtui.commands.output import VisibleControls, human_output, print_json, write_styled
from buildtui.settings import Settings
from tests.fakes.builders import FakeBuildersService
from tests.fakes.hostile_app import hostile_builders
from tests.fakes.hostile_content import EVIL, RAW_CONTROLS, SHOWN, evil
from tests.fakes.streams import visible_controls

ESCAPED = "\\x1b]0;PWNED"


@pytest.fixture(autouse=True)
def no_log_left() -> Iterator[None]:
    yield
    logs.configure("off")  # a crash starts the log file: no other test writes to it


def test_visible_controls_shows_control_characters() -> None:
    raw = io.StringIO()
    out = VisibleControls(raw)
    print(f"name{EVIL}", file=out)
    assert raw.getvalue() == f"name{SHOWN}\n"


def test_own_colours_pass_around_visible_data() -> None:
    raw = io.StringIO()
    write_styled(visible_controls(raw), f"\x1b[1;32m{SHOWN}\x1b[0m\n")
    assert raw.getvalue() == f"\x1b[1;32m{SHOWN}\x1b[0m\n"
    plain = io.StringIO()  # not a VisibleControls stream: written as it is too
    write_styled(plain, "\x1b[1m!\x1b[0m")
    assert plain.getvalue() == "\x1b[1m!\x1b[0m"


def test_json_passes_through_unchanged_and_round_trips() -> None:
    raw = io.StringIO()
    body = {"platform": evil("arch"), "tags": [EVIL]}
    with_controls = visible_controls(raw)
    print_json(body, with_controls)
    assert not RAW_CONTROLS.search(raw.getvalue())
    document = json.loads(raw.getvalue())
    assert document["platform"] == evil("arch") and document["tags"] == [EVIL]


def test_every_twin_writes_through_the_output_layer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[object] = []

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        seen.append(sys.stdout)
        print(f"out{EVIL}")
        print(f"err{EVIL}", file=sys.stderr)
        sys.stdout.write(f"write{EVIL}\n")
        return 0

    monkeypatch.setattr(doctor, "run", handler)
    before = sys.stdout, sys.stderr
    assert cli.main(["doctor"]) == 0
    assert isinstance(seen[0], VisibleControls)
    assert (sys.stdout, sys.stderr) == before  # restored
    captured = capsys.readouterr()
    assert captured.out == f"out{SHOWN}\nwrite{SHOWN}\n"
    assert captured.err == f"err{SHOWN}\n"


def test_argparse_errors_go_through_it_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["inspect", "--json", "--raw", f"x{EVIL}"])
    assert not RAW_CONTROLS.search(capsys.readouterr().err)


def test_an_unexpected_error_in_a_twin_is_one_line_and_a_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        raise ValueError(f"boom{EVIL}")

    monkeypatch.setattr(doctor, "run", handler)
    assert cli.main(["doctor"]) == 1
    err = capsys.readouterr().err
    log = isolated_dirs / "state" / "buildtui" / "buildtui.log"
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"buildtui: stopped on an unexpected error (ValueError: boom{ESCAPED}")
    assert f"the details are in {log}" in err
    assert not RAW_CONTROLS.search(err)
    written = log.read_text()
    assert "Traceback" in written and f"ValueError: boom{ESCAPED}" in written
    assert not RAW_CONTROLS.search(written)  # read with cat, it is text too
    assert log.stat().st_mode & 0o777 == 0o600


def test_crash_message_takes_the_error_after_a_rich_traceback() -> None:
    details = "╭── Traceback ──╮\n│ frame │\n╰───────────────╯\nKeyError:\n'warning'\n"
    line = logs.crash_message(details, Path("/x/buildtui.log"))
    assert line.startswith("buildtui: stopped on an unexpected error (KeyError: 'warning');")
    assert "the details are in /x/buildtui.log" in line
    assert "could not be written" in logs.crash_message("E: x", None)


def test_builders_list_shows_hostile_names_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeBuildersService(hostile_builders())
    for argv in (["list"], ["inspect", "default"]):
        args = build_parser().parse_args(["builders", *argv])
        with human_output():
            assert args.handler(args, Settings(), lambda settings: fake) == 0
        out = capsys.readouterr().out
        assert not RAW_CONTROLS.search(out)
        assert f"node{ESCAPED}" in out
    args = build_parser().parse_args(["builders", "list", "--json"])
    with human_output():
        args.handler(args, Settings(), lambda settings: fake)
    document = json.loads(capsys.readouterr().out)
    assert document["builders"][0]["nodes"][0]["name"] == evil("node")
