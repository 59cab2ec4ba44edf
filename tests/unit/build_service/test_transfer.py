"""Builds that travel: export, import of an export or a plain log, and every way an
imported file is refused."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from buildtui.buildlog.summary import CacheMiss
from buildtui.builds.evidence import BuildEvidence
from buildtui.builds.history import BuildHistory
from buildtui.builds.transfer import (
    MAX_IMPORT_BYTES,
    TransferError,
    export_document,
    export_text,
    read_import,
    write_export,
)
from tests.fakes.build import DATA, captured_log
from tests.fakes.lab import LAB_ARGV, record_build

EVIDENCE = BuildEvidence(
    context="/home/student/lab",
    dockerfile="/home/student/lab/Dockerfile_multi",
    dockerfile_text="FROM busybox AS build1\nRUN echo secret-value\n",
    context_hashes={"Dockerfile_multi": "0123456789abcdef"},
    build_args={"TOKEN": "fedcba9876543210"},
    cache_from=("type=registry,ref=localhost:5000/cachedata1",),
    platforms=("linux/amd64", "linux/arm64"),
)


def kept(tmp_path: Path, log: str = "lab-second-build.log") -> tuple[BuildHistory, int]:
    history = BuildHistory(tmp_path / "here.sqlite3")
    lines = captured_log(log)
    lines.insert(0, "note: the token is secret-value, keep it")
    first = history.get(record_build(history, log, 1.0)).entry
    miss = CacheMiss("linux/amd64", "build1", 2, "RUN x", "build-arg", "TOKEN changed", 3)
    summary = first.summary.__class__.from_json(
        {**first.summary.to_json(), "wall_seconds": 2.5, "first_misses": [miss.to_json()]}
    )
    build_id = history.add(
        started=1000.0, argv=LAB_ARGV, command=" ".join(LAB_ARGV), summary=summary,
        log_lines=lines, evidence=EVIDENCE, timing=[(10, 0.5), (len(lines), 2.5)],
    )  # fmt: skip
    return history, build_id


def exported(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    history, build_id = kept(tmp_path)
    document = export_document(history.get(build_id), history.evidence(build_id), now=5.0)
    path = tmp_path / "build.json"
    write_export(path, export_text(document))
    return document, path


def test_an_export_has_what_a_replay_and_a_comparison_need_with_values_masked(
    tmp_path: Path,
) -> None:
    document, path = exported(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "secret-value" not in text  # not in the command, the log or the evidence
    build = json.loads(text)["build"]
    assert document["build"] == build
    assert "TOKEN=…" in build["argv"] and "TOKEN=…" in build["command"]
    assert "the token is «TOKEN», keep it" in build["log"]
    assert build["timing"][0] == [10, 0.5]
    assert build["summary"]["wall_seconds"] == 2.5
    assert build["evidence"]["dockerfile"] == "/home/student/lab/Dockerfile_multi"


def test_an_export_imports_on_another_machine_as_it_was(tmp_path: Path) -> None:
    _, path = exported(tmp_path)
    imported = read_import(path)
    elsewhere = BuildHistory(tmp_path / "elsewhere.sqlite3")
    new_id = imported.keep(elsewhere, now=7.0)
    record = elsewhere.get(new_id)
    entry = record.entry
    assert entry.imported and entry.source == "export" and entry.imported_at == 7.0
    assert entry.origin == "build 2 of build.json"
    assert entry.started == 1000.0
    assert (entry.summary.cached, entry.summary.total) == (10, 10)
    assert entry.summary.wall_seconds == 2.5
    (miss,) = entry.summary.first_misses
    assert miss.detail == "TOKEN changed" and miss.compared_with is None  # another machine's id
    assert record.timing[0] == (10, 0.5)
    masked = "FROM busybox AS build1\nRUN echo «TOKEN»\n"  # the value, were it in the Dockerfile
    assert elsewhere.evidence(new_id) == replace(EVIDENCE, dockerfile_text=masked)
    # Never what a later build here is explained against: its context was elsewhere.
    assert elsewhere.earlier(EVIDENCE) == []


def test_the_summary_comes_from_the_log_not_from_what_the_file_claims(tmp_path: Path) -> None:
    document, path = exported(tmp_path)
    document["build"]["summary"]["cached"] = 999
    document["build"]["summary"]["cache_import"] = "found"
    document["build"]["log"] = "\n".join(captured_log("lab-first-build.log"))
    document["build"]["timing"] = []
    path.write_text(json.dumps(document), encoding="utf-8")
    summary = read_import(path).summary
    assert (summary.cached, summary.total) == (0, 10)
    assert summary.cache_import == "not-found"


def test_text_from_an_imported_file_shows_its_control_codes_visibly(tmp_path: Path) -> None:
    document, path = exported(tmp_path)
    build = document["build"]
    build["argv"] = [*build["argv"][:-1], "\x1b]52;c;aGk=\x07ctx\x1b[2J"]
    build["command"] = "docker \x1b[31mbuildx\x1b[0m build"
    build["log"] = build["log"].replace("#1 ", "#1 \x1b]0;pwned\x07", 1)
    build["summary"]["first_misses"][0]["detail"] = "[@click=app.quit]x[/]\x9b2J"
    path.write_text(json.dumps(document), encoding="utf-8")
    imported = read_import(path)
    # As the build log shows them (untrusted.visible): colours dropped, any other
    # escape sequence kept as visible text, never a control character.
    assert imported.argv[-1] == "\\x1b]52;c;aGk=\\x07ctx"
    assert imported.command == "docker buildx build"
    assert "#1 \\x1b]0;pwned\\x07[internal] load build definition from Dockerfile" in (
        imported.log_lines
    )
    texts = [*imported.argv, *imported.log_lines, imported.summary.first_misses[0].detail]
    assert not any(char in text for text in texts for char in "\x1b\x07\x9b")
    # Markup stays text: every widget shows it as screen text, never parsed.
    assert imported.summary.first_misses[0].detail == "[@click=app.quit]x[/]"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), 'no "format": "buildtui-build"'),
        (lambda d: d.update(version=2), "version 2, made by a newer buildtui"),
        (lambda d: d.update(version="1"), '"version" is not a number'),
        (lambda d: d.pop("build"), '"build" is missing'),
        (lambda d: d["build"].update(log=["a"]), '"log" is not a string'),
        (lambda d: d["build"].update(argv="docker"), '"argv" is not a list'),
        (lambda d: d["build"].update(argv=[1]), '"argv" holds something that is not a string'),
        (lambda d: d["build"].update(started="yesterday"), '"started" is not a number'),
        (lambda d: d["build"].update(started=-5), '"started" is negative'),
        (lambda d: d["build"].update(canceled="no"), '"canceled" is not true or false'),
        (lambda d: d["build"].update(exit_code=1.5), '"exit_code" is not a whole number'),
        (lambda d: d["build"].update(timing=[[5, 1.0], [3, 2.0]]), '"timing" goes backwards'),
        (lambda d: d["build"].update(timing=[[10**9, 1.0]]), "counts lines the log does not"),
        (lambda d: d["build"].update(timing=[[1, "x"]]), "not a number of seconds"),
        (lambda d: d["build"].update(timing=[[1]]), "not [lines, seconds]"),
        (lambda d: d["build"].update(evidence=[]), '"evidence" is not an object'),
        (
            lambda d: d["build"]["evidence"].update(context_hashes={"a": 1}),
            '"context_hashes" holds something that is not a string',
        ),
        (lambda d: d["build"]["summary"].update(wall_seconds="1s"), "wall_seconds"),
        (lambda d: d["build"]["summary"].update(first_misses={}), "first_misses"),
        (lambda d: d["build"].update(command="x" * 70_000), "longer than 65536"),
    ],
)
def test_a_malformed_export_is_refused_with_what_is_wrong(
    tmp_path: Path, change: Any, message: str
) -> None:
    document, path = exported(tmp_path)
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(TransferError, match="is not a valid buildtui export") as raised:
        read_import(path)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"{" + b'"a":[' * 50_000, "not valid JSON"),
        (b"\x00\x01\x02", "no `#N` step lines"),
        (b"", "is empty"),
        (b"[+] Building 1.2s (10/10) FINISHED\n => [internal] load", "--progress=plain"),
    ],
)
def test_a_file_that_is_neither_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "build.log"
    path.write_bytes(content)
    with pytest.raises(TransferError, match=message.replace("[", r"\[")):
        read_import(path)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(MAX_IMPORT_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(TransferError, match="an import takes at most 32 MiB"):
        read_import(path)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    with pytest.raises(TransferError, match="is not a regular file"):
        read_import(path)


def test_an_export_is_never_written_through_a_planted_link(tmp_path: Path) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    with pytest.raises(TransferError, match="is a symbolic link"):
        write_export(link, "{}")
    assert target.read_text(encoding="utf-8") == "keep me"
    with pytest.raises(TransferError, match="its folder does not exist"):
        write_export(tmp_path / "missing" / "out.json", "{}")
    (tmp_path / "old.json").write_text("old", encoding="utf-8")
    os.chmod(tmp_path / "old.json", 0o644)
    write_export(tmp_path / "old.json", "new")
    assert (tmp_path / "old.json").read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(os.stat(tmp_path / "old.json").st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json", "out.json", "victim.txt"]


def test_a_plain_log_imports_with_its_command_from_the_log_or_the_flag(tmp_path: Path) -> None:
    log = (DATA / "lab-second-build.log").read_text(encoding="utf-8")
    path = tmp_path / "build.log"
    path.write_text("$ docker buildx build --progress=plain -t lab:1 .\n" + log, encoding="utf-8")
    imported = read_import(path)
    assert imported.source == "plain-log" and imported.origin == "build.log"
    assert imported.argv == ("docker", "buildx", "build", "--progress=plain", "-t", "lab:1", ".")
    assert (imported.summary.cached, imported.summary.total) == (10, 10)
    assert imported.summary.exit_code == 0 and imported.summary.wall_seconds is None
    assert imported.timing == () and imported.started == os.stat(path).st_mtime
    assert any("read from the log" in note for note in imported.notes)
    assert any("exit code is taken as 0" in note for note in imported.notes)
    given = read_import(path, command="docker buildx build -t lab:2 .", exit_code=3)
    assert given.argv[-2:] == ("lab:2", ".") and given.summary.exit_code == 3


def test_a_plain_log_without_a_command_or_with_a_wrong_one(tmp_path: Path) -> None:
    path = tmp_path / "failed.log"
    path.write_text((DATA / "failing-run.log").read_text(encoding="utf-8"), encoding="utf-8")
    imported = read_import(path)
    assert imported.argv == () and imported.command == ""
    assert imported.summary.exit_code == 1  # buildx's ERROR: failed to solve
    assert any("give it with --command" in note for note in imported.notes)
    with pytest.raises(TransferError, match="should be the docker buildx build"):
        read_import(path, command="rm -rf /")
    with pytest.raises(TransferError, match="cannot be read as a shell line"):
        read_import(path, command="docker buildx build 'unclosed")


def test_flags_for_a_plain_log_are_refused_for_an_export(tmp_path: Path) -> None:
    _, path = exported(tmp_path)
    with pytest.raises(TransferError, match="--command and --exit-code are for plain logs"):
        read_import(path, command="docker buildx build .")


def test_an_older_history_gets_the_import_columns_and_keeps_its_builds(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # a history made before builds could be imported
    old.execute(
        "CREATE TABLE builds (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL,"
        " argv TEXT NOT NULL, command TEXT NOT NULL, exit_code INTEGER, canceled INTEGER NOT"
        " NULL DEFAULT 0, summary TEXT NOT NULL, log BLOB NOT NULL, log_lines INTEGER NOT NULL,"
        " timing TEXT, evidence BLOB)"
    )
    old.commit()
    old.close()
    history = BuildHistory(path)
    build_id = record_build(history, "lab-first-build.log", 1.0)
    entry = history.get(build_id).entry
    assert entry.source is None and not entry.imported and entry.origin is None
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(builds)")}
    assert {"source", "imported_at", "origin"} <= columns
    with pytest.raises(ValueError, match="unknown source"):
        history.add(
            started=1.0, argv=(), command="", summary=entry.summary, log_lines=[],
            source="somewhere",
        )  # fmt: skip


def test_a_plain_log_s_build_arg_values_are_masked_before_it_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "build.log"
    log = (DATA / "lab-second-build.log").read_text(encoding="utf-8")
    path.write_text(log + "#99 0.1 the token is hunter2-secret\n", encoding="utf-8")
    command = "docker buildx build --build-arg TOKEN=hunter2-secret -t lab:1 ."
    imported = read_import(path, command=command)
    assert "#99 0.1 the token is «TOKEN»" in imported.log_lines
    assert not any("hunter2" in line for line in imported.log_lines)
    history = BuildHistory(tmp_path / "h.sqlite3")
    record = history.get(imported.keep(history))
    assert "hunter2" not in record.log and "TOKEN=…" in record.entry.command
