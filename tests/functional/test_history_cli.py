"""`buildtui history ls|show|rm|export|import`: the history view's twin, and a build that
travels from one machine's data dir to another's, replayed there."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from buildtui.app.builds.pane import BuildPane
from buildtui.app.replay import ReplayApp
from buildtui.builds.history import BuildHistory
from buildtui.cli import main
from tests.fakes.build import DATA, captured_log
from tests.fakes.lab import LAB_ARGV, record_build
from tests.fakes.services import fake_services, settle, until


def use_data_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Another machine's buildtui: its own data dir."""
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))


def keep_timed_build() -> int:
    history = BuildHistory()
    lines = captured_log("lab-second-build.log")
    entry = history.get(record_build(history, "lab-second-build.log", 1_700_000_000.0)).entry
    history.delete(entry.id)
    return history.add(
        started=entry.started, argv=LAB_ARGV, command=entry.command,
        summary=replace(entry.summary, wall_seconds=1.9), log_lines=lines,
        timing=[(40, 0.1), (len(lines), 0.2)],
    )  # fmt: skip


def test_ls_and_show_list_what_the_history_view_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["history", "ls"]) == 0
    assert "No builds in the history yet" in capsys.readouterr().out
    build_id = keep_timed_build()
    assert main(["history", "ls"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:5] == ["#", "when", "result", "cached", "wall"]
    assert f"{build_id}  " in out and "10/10" in out and "run here" in out
    assert main(["history", "ls", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["builds"]
    assert listed["id"] == build_id and listed["source"] == "local"
    assert listed["imported"] is False and listed["cached"] == 10
    assert "--build-arg" in listed["argv"] and "TOKEN=…" in listed["argv"]
    assert "secret-value" not in json.dumps(listed)
    assert main(["history", "show", str(build_id), "--log"]) == 0
    out = capsys.readouterr().out
    assert "TOKEN=…" in out and "secret-value" not in out
    assert "Steps cached: 10/10" in out and "2 timing marks" in out
    assert "#1 [internal] load build definition" in out  # the log
    assert main(["history", "show", str(build_id), "--json", "--show-build-arg-values"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert "TOKEN=secret-value" in shown["build"]["argv"]
    assert shown["summary"]["wall_seconds"] == 1.9 and shown["timing_marks"] == 2


def test_rm_asks_and_refuses_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    build_id = keep_timed_build()
    assert main(["history", "rm", str(build_id)]) == 1
    assert "Not asked without a terminal: add --yes" in capsys.readouterr().err
    assert main(["history", "rm", str(build_id), "99", "--yes"]) == 2
    assert "There is no build 99 in the history. Nothing was deleted." in capsys.readouterr().err
    assert [e.id for e in BuildHistory().list()] == [build_id]
    assert main(["history", "rm", str(build_id), "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] == [build_id]
    assert BuildHistory().list() == []
    assert main(["history", "rm", "first"]) == 2


async def test_export_here_import_elsewhere_and_replay_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_data_dir(monkeypatch, tmp_path / "laptop")
    build_id = keep_timed_build()
    out = tmp_path / "demo.json"
    assert main(["history", "export", str(build_id), "--out", str(out), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written["out"] == str(out) and written["bytes"] == out.stat().st_size
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert "secret-value" not in out.read_text(encoding="utf-8")

    use_data_dir(monkeypatch, tmp_path / "classroom")
    assert BuildHistory().list() == []
    assert main(["history", "import", str(out), "--json"]) == 0
    new_id = json.loads(capsys.readouterr().out)["id"]
    record = BuildHistory().get(new_id)
    assert record.entry.imported and record.entry.origin == f"build {build_id} of demo.json"
    assert main(["history", "ls"]) == 0
    assert f"imported from build {build_id} of demo.json" in capsys.readouterr().out

    settings, services = fake_services(tmp_path / "app")
    assert services.build is not None
    services.build = replace(services.build, history=BuildHistory())
    app = ReplayApp(settings, services, [record], speed=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        await until(
            pilot,
            lambda: bool(pane.replay_lives) and not pane.replay_lives[0].running,
            "replayed",
        )
        summary = pane.replay_lives[0].summary
        assert summary is not None and summary.wall_seconds == 1.9 and summary.cached == 10
        banner = str(app.query_one("#replay-banner").render())
        assert f"(imported: build {build_id} of demo.json, recorded " in banner
    assert [e.id for e in BuildHistory().list()] == [new_id]  # the replay added nothing


def test_a_plain_log_is_imported_as_a_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "build.log"
    log.write_text((DATA / "lab-first-build.log").read_text(encoding="utf-8"), encoding="utf-8")
    command = "docker buildx build --progress=plain -t localhost:5000/lab:1 ."
    assert main(["history", "import", str(log), "--command", command]) == 0
    out = capsys.readouterr().out
    assert "imported build.log (a plain log) as build 1" in out
    assert "Steps cached: 0/10" in out and "exit code is taken as 0" in out
    assert "buildtui lab replay 1" in out
    (entry,) = BuildHistory().list()
    assert entry.source == "plain-log" and entry.argv[-2:] == ("localhost:5000/lab:1", ".")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "buildtui-build", "version": 1, "build": []}', '"build" is not an object'),
        (b'{"format": "buildtui-build", "version": 9}', "made by a newer buildtui"),
        (b"\x1b]0;owned\x07 hello", "no `#N` step lines"),
    ],
)
def test_a_malformed_file_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["history", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "\x1b" not in err and "Traceback" not in err
    assert BuildHistory().list() == []


def test_an_oversized_file_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.log"
    with path.open("wb") as out:
        out.truncate(40 * 2**20)
    assert main(["history", "import", str(path)]) == 2
    assert "big.log is 40.0 MiB; an import takes at most 32 MiB" in capsys.readouterr().err


def test_export_refuses_a_planted_link_and_a_missing_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_id = keep_timed_build()
    victim = tmp_path / "victim"
    victim.write_text("mine", encoding="utf-8")
    (tmp_path / "out.json").symlink_to(victim)
    assert main(["history", "export", str(build_id), "--out", str(tmp_path / "out.json")]) == 1
    assert "is a symbolic link; buildtui does not write through links" in capsys.readouterr().err
    assert victim.read_text(encoding="utf-8") == "mine"
    assert main(["history", "export", "42", "--out", str(tmp_path / "x.json")]) == 2
    assert "There is no build 42 in the history." in capsys.readouterr().err


def test_show_prints_control_characters_in_a_kept_log_visibly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    history = BuildHistory()
    entry = history.get(record_build(history, "lab-second-build.log", 1.0)).entry
    build_id = history.add(
        started=2.0, argv=LAB_ARGV, command="", summary=entry.summary,
        log_lines=["#1 \x1b]0;owned\x07 retitled", "\x1b[2J erased"],
    )  # fmt: skip
    assert main(["history", "show", str(build_id), "--log"]) == 0
    out = capsys.readouterr().out
    assert "#1 \\x1b]0;owned\\x07 retitled" in out and "\\x1b[2J erased" in out
    assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize(
    ("language", "count", "question", "said"),
    [
        ("C.UTF-8", 1, "Delete build {ids} from the history, with its log and summary?",
         "deleted build {ids} from the history"),
        ("C.UTF-8", 2, "Delete 2 builds ({ids}) from the history, with their logs and summaries?",
         "deleted 2 builds ({ids}) from the history"),
        ("pl_PL.UTF-8", 1,
         "Usunąć z historii 1 budowanie (nr {ids}) wraz z jego logiem i podsumowaniem?",
         "usunięto z historii 1 budowanie (nr {ids})"),
        ("pl_PL.UTF-8", 2,
         "Usunąć z historii 2 budowania (nr {ids}) wraz z ich logami i podsumowaniami?",
         "usunięto z historii 2 budowania (nr {ids})"),
        ("pl_PL.UTF-8", 5,
         "Usunąć z historii 5 budowań (nr {ids}) wraz z ich logami i podsumowaniami?",
         "usunięto z historii 5 budowań (nr {ids})"),
    ],
)  # fmt: skip
def test_rm_asks_about_one_build_or_several_in_the_user_s_language(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str,
    count: int,
    question: str,
    said: str,
) -> None:
    monkeypatch.setenv("LANG", language)
    history = BuildHistory()
    ids = [record_build(history, "lab-second-build.log", 1_700_000_000.0 + i) for i in range(count)]
    asked: list[str] = []

    def answer_yes(question: str) -> bool:
        asked.append(question)
        return True

    monkeypatch.setattr("buildtui.commands.history.confirm", answer_yes)
    assert main(["history", "rm", *map(str, ids)]) == 0
    listed = ", ".join(map(str, ids))
    assert asked == [question.format(ids=listed)]
    assert capsys.readouterr().out.strip() == said.format(ids=listed)
    assert BuildHistory().list() == []
