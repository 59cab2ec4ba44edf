"""The class mode twins' usage: what is missing or wrong is said in one line, exit 2;
`class ls` and `class get` over a fake class (the registry client's transport replaced)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from buildtui.cli import main
from buildtui.registry.auth import NoCredentials
from buildtui.registry.service import RegistryService
from tests.fakes.classroom import a_class, routed
from tests.fakes.registry import FakeRegistry


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["class", "ls"], "name the class: HOST[:PORT]/REPO"),
        (["class"], "name the class: HOST[:PORT]/REPO"),
        (["class", "ls", "lab7"], "'lab7' names no repository"),
        (["class", "ls", "a/b", "c"], "`class ls` takes one REF at most"),
        (["class", "get", "jan"], "`class get` needs --out DIR"),
        (["class", "get"], "`class get` takes one NAME"),
        (
            ["class", "get", "jan", "--out", "x", "--class", "h:5/r", "--digest", "sha256:1"],
            "--digest 'sha256:1' is not a digest",
        ),
        (["class", "get", "\x1b]0;x\x07", "--out", "x", "--class", "h:5/r"], "control characters"),
        (["lab", "submit", "--student", "Jan"], "Name the class to submit to: --to"),
        (["lab", "submit", "--to", "h:5/r"], "Give your name (--student NAME"),
        (["lab", "submit", "--to", "h:5/r:v1", "--student", "Jan"], "names a tag or digest"),
    ],
)
def test_usage_errors_say_what_to_type(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


@pytest.fixture
def fake_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
    """The fake class of five, served to the twins in place of a network."""
    registry = a_class(tmp_path)
    transport = routed(registry)
    real = RegistryService.__init__

    def with_fake(self: RegistryService, *args: Any, **kwargs: Any) -> None:
        kwargs["transport"] = transport
        kwargs["store"] = NoCredentials()
        kwargs["blob_cache"] = False
        real(self, *args, **kwargs)

    monkeypatch.setattr(RegistryService, "__init__", with_fake)
    return registry


def test_class_ls_lists_every_row_and_shows_names_as_text(
    fake_class: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["class", "ls", "class.test:5000/lab7"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["Student", "Submitted", "Done", "Not", "done", "Evidence"]
    assert len(lines) == 6
    assert "\x1b" not in out and "[@click=app.quit]Eve[/]\\x1b]0;pwn" in out  # shown
    assert any(line.startswith("Zed ") and "Refused: builds.json" in line for line in lines)
    assert main(["class", "ls", "class.test:5000/lab7", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [s["tag"] for s in body["submissions"]] == [
        "eve", "jan-kowalski", "ola-nowak", "piotr-zielinski", "zed"
    ]  # fmt: skip
    assert body["submissions"][0]["student"].startswith("[@click=app.quit]Eve[/]\x1b]0;")


def test_class_get_saves_every_file_owner_only(
    fake_class: FakeRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "saved" / "jan"
    argv = ["class", "get", "Jan Kowalski", "--class", "class.test:5000/lab7", "--out", str(out)]
    assert main([*argv, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["tag"] == "jan-kowalski" and body["student"] == "Jan Kowalski"
    assert body["files"][:2] == ["submission.json", "lab7-report.md"]
    for name in body["files"]:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    missing = ["class", "get", "nobody", "--class", "class.test:5000/lab7", "--out", str(out)]
    assert main(missing) == 1
    assert "cannot get class.test:5000/lab7:nobody" in capsys.readouterr().err
