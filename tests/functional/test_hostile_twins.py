"""The command-line twins, run as the user runs them (`python -m buildtui`, a subprocess),
against a registry whose every field is hostile (on a real socket of 127.0.0.1): the
bytes they write hold no control character (shown as visible escapes instead), no
traceback; `--json` parses and holds the registry's values exactly."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.hostile_content import (
    RAW_CONTROLS,
    HostileContentRegistry,
    evil,
    hostile_content_registry,
    screenshot_markup,
)
from tests.fakes.served_registry import served

ESCAPED = "\\x1b]0;PWNED"


@pytest.fixture(scope="module")
def hostile(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HostileContentRegistry, str, dict[str, str]]]:
    """The hostile registry, its URL, and an environment of empty dirs (no credentials)."""
    home = tmp_path_factory.mktemp("home")
    registry = hostile_content_registry(home)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "DOCKER_CONFIG": str(home / "docker"),
        "NO_COLOR": "1",
    }
    with served(registry) as url:
        yield registry, url, env


def twin(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]], *argv: str
) -> tuple[int, bytes, bytes]:
    _, url, env = hostile
    command = [sys.executable, "-m", "buildtui", "--registry", url, "--registry-container"]
    result = subprocess.run(
        [*command, "buildtui-test-none", *argv], capture_output=True, env=env, timeout=120
    )
    return result.returncode, result.stdout, result.stderr


def assert_no_controls(data: bytes, what: str) -> str:
    text = data.decode("utf-8")  # undecodable bytes would fail here too
    assert not RAW_CONTROLS.findall(text), f"{what}: {RAW_CONTROLS.findall(text)[:5]}"
    assert "Traceback" not in text, f"{what}: a traceback"
    return text


HUMAN = [
    (("inspect", "evil:cfg"), 0, ("entrypoint", "history", "mediatype", "variant", "created")),
    (("inspect", "evil:idx"), 0, ("arch", "os", "builder", "material", "frontend")),
    (("inspect", "evil:art"), 0, ("artifact", "layertype")),
    (("inspect", "evil:cache"), 0, ("cachetype",)),
    (("inspect", "evil:gone"), 1, ("CODE",)),  # an error body
    (("inspect", "locked:v1"), 1, ()),  # a token realm
    (("registry", "ls"), 1, ("tag", "repo", "arch", "CODE")),
    (("rm", "--dry-run", "evil:idx"), 1, ("arch", "CODE", "tag")),  # refused: unreadable tags
]


@pytest.mark.parametrize(("argv", "code", "labels"), HUMAN, ids=lambda v: str(v))
def test_human_output_shows_hostile_text_escaped(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]],
    argv: tuple[str, ...],
    code: int,
    labels: tuple[str, ...],
) -> None:
    returned, out, err = twin(hostile, *argv)
    text = assert_no_controls(out, "stdout") + assert_no_controls(err, "stderr")
    assert returned == code, text
    assert ESCAPED in text
    for label in labels:
        assert f"{label}{ESCAPED}" in text, f"{label} is not shown"
    if argv == ("inspect", "locked:v1"):
        assert "the token server 'http://auth.invalid/\\x1b]0;PWNED" in text
        assert len(err.decode().strip().splitlines()) == 1


def test_inspect_json_keeps_every_value(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]],
) -> None:
    code, out, err = twin(hostile, "inspect", "evil:cfg", "--json")
    assert code == 0, err
    assert_no_controls(out, "stdout")  # JSON escapes them: \u001b
    document = json.loads(out)
    config = document["config"]
    assert config["platform"] == f"linux/{screenshot_markup(hostile[0].folder)}/{evil('variant')}"
    assert config["entrypoint"] == [evil("entrypoint")]
    assert config["cmd"] == [evil("cmd")]
    assert config["history"] == [evil("history")]
    assert config["created"] == evil("created")
    assert document["annotations"] == {evil("annotation"): evil("annotated")}
    assert evil("mediatype") in [layer["media_type"] for layer in document["layers"]]


def test_inspect_json_of_the_index_keeps_platforms_and_statements(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]],
) -> None:
    code, out, err = twin(hostile, "inspect", "evil:idx", "--json")
    assert code == 0, err
    assert_no_controls(out, "stdout")
    document = json.loads(out)
    platforms = [m["platform"] for m in document["manifests"]]
    assert f"{evil('os')}/{evil('arch')}/{evil('v')}" in platforms
    assert "linux/amd64/[/]" in platforms
    assert document["annotations"] == {evil("index"): evil("annotation")}
    assert document["manifests"][0]["annotations"] == {evil("entry"): evil("note")}
    statements: list[dict[str, Any]] = [
        s for m in document["manifests"] for s in m.get("statements", [])
    ]
    provenance = next(s["provenance"] for s in statements if "provenance" in s)
    assert provenance["builder"] == evil("builder")
    assert provenance["materials"][0]["uri"] == evil("material")


def test_registry_ls_json_keeps_names_and_errors(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]],
) -> None:
    code, out, _ = twin(hostile, "registry", "ls", "--json")
    assert code == 1  # some tags cannot be read
    assert_no_controls(out, "stdout")
    document = json.loads(out)
    names = [r["name"] for r in document["repositories"]]
    assert evil("repo") in names
    evil_tags = next(r["tags"] for r in document["repositories"] if r["name"] == "evil")
    assert evil("tag") in [t["tag"] for t in evil_tags]
    gone = next(t for t in evil_tags if t["tag"] == "gone")
    assert evil("CODE")[:20] in gone["error"]


def test_rm_dry_run_json_parses(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]],
) -> None:
    code, out, _ = twin(hostile, "rm", "--dry-run", "--json", "evil:idx")
    assert code == 1
    assert_no_controls(out, "stdout")
    document = json.loads(out)
    assert document["schema_version"] == 1
    whys = [step["why"] for step in document["plan"]["steps"]]
    assert any(f"{evil('os')}/{evil('arch')}/{evil('v')}" in why for why in whys)
    assert any(evil("CODE")[:20] in refusal for refusal in document["plan"]["refusals"])


def test_inspect_raw_into_a_pipe_is_the_bytes_as_served(
    hostile: tuple[HostileContentRegistry, str, dict[str, str]],
) -> None:
    registry = hostile[0]
    code, out, _ = twin(hostile, "inspect", "--raw", "evil:cfg")
    assert code == 0
    assert out == registry.manifests["evil"][registry.tags["evil"]["cfg"]][0]


def test_a_build_log_holds_no_control_character(tmp_path: Path) -> None:
    """`buildtui build`'s log lines are the parser's (escapes visible), its colours its own."""
    from buildtui.commands.build import run_build
    from tests.fakes.build import ReplayBuildService
    from tests.fakes.hostile_app import hostile_log
    from tests.fakes.streams import visible_controls

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    code = run_build(
        ["docker", "buildx", "build", "."],
        ReplayBuildService(hostile_log(tmp_path), exit_code=1),
        visible_controls(terminal),
        color=True,
    )
    assert code == 1
    text = terminal.getvalue()
    own = text.replace("\x1b[0m", "")
    for code_ in ("\x1b[1;31m", "\x1b[1;32m", "\x1b[2m", "\x1b[32m", "\x1b[1m"):
        own = own.replace(code_, "")
    assert "\x1b[1;31m" in text  # the error steps in buildtui's red
    assert not RAW_CONTROLS.findall(own), RAW_CONTROLS.findall(own)[:5]
    assert f"output{ESCAPED}" in own
