"""`buildtui build` on the real engine keeps its build in the history the Build pane shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.builds.history import BuildHistory
from buildtui.cli import main
from tests.integration.lab import TestRegistry, unique


def test_a_cli_build_is_in_the_history_with_its_log(
    registry: TestRegistry, base_image: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = unique("history")
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image}\nARG NOTE\nRUN echo {marker} > /note\n", encoding="utf-8"
    )
    ref = registry.ref(unique("cli-history"), "1")
    code = main(
        [
            "build", "--", "--platform", "linux/amd64", "--build-arg", "NOTE=kept-whole",
            "-t", ref, "--push", str(tmp_path),
        ]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "NOTE=…" in printed  # masked on screen
    [entry] = BuildHistory().list()
    assert ref in entry.argv and "NOTE=kept-whole" in entry.argv
    assert entry.summary.exit_code == 0 and entry.summary.total >= 1
    assert entry.summary.pushed_digest is not None
    assert entry.summary.pushed_digest.startswith("sha256:")
    log = BuildHistory().get(entry.id).log
    assert marker in log


def test_an_image_exported_with_type_image_ticks_another_exporter(
    registry: TestRegistry,
    base_image: str,
    image_names: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The lab lists `type=image` among the exporters: a build with `-o type=image,name=…`
    (no push) puts the image in the engine's image store, and the Lab's item 5 finds it."""
    import json

    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image}\nRUN echo {unique('image')} > /note\n", encoding="utf-8"
    )
    name = f"buildtui-test/{unique('image-exporter')}:1"
    image_names.append(name)
    code = main(
        ["build", "--", "--platform", "linux/amd64", "-o", f"type=image,name={name}", str(tmp_path)]
    )
    assert code == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["--registry", registry.url, "lab", "status", "--json"]) == 0
    items = {i["key"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    exporter = items["exported"]
    assert exporter["status"] == "done", exporter
    assert any(name in line for line in exporter["evidence"]), exporter
