"""On a real registry:2: an image config, an index and an artifact whose platforms, history,
annotations and artifact type hold escape sequences and markup, pushed as a student could
push them. The twins (`inspect`, `registry ls`, `rm --dry-run`; human and `--json`) and
the Registry and Clean-up panes show them as text: no control character reaches the
terminal, `--json` keeps the values, clicking the text does nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.screen import ModalScreen
from textual.widgets import DataTable

from buildtui.app.app import make_app
from buildtui.app.wiring import make_services
from buildtui.registry.models import OCI_CONFIG, OCI_INDEX, OCI_MANIFEST
from buildtui.settings import Settings
from tests.fakes.hostile_checks import ESCAPED, assert_safe, walk_registry
from tests.fakes.hostile_content import RAW_CONTROLS, evil
from tests.fakes.screen import find_on_screen
from tests.fakes.services import settle, until
from tests.integration.lab import TestRegistry
from tests.integration.registry_fixtures import Pusher

LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


CLICK_TO_QUIT = "[@click=app.quit]CLICK[/]"
"""The config's architecture: short enough to be on screen whole, to be clicked."""


def push_hostile(url: str) -> None:
    """evil:cfg (an image whose config is hostile), evil:idx (an index of it with a hostile
    platform and annotations), evil:art (an artifact with a hostile type)."""
    pusher = Pusher(url)
    try:
        config = {
            "architecture": CLICK_TO_QUIT,
            "os": "linux",
            "variant": evil("variant"),
            "created": evil("created"),
            "config": {"Entrypoint": [evil("entrypoint")], "Cmd": [evil("cmd")]},
            "history": [{"created_by": evil("history")}],
            "rootfs": {"type": "layers", "diff_ids": []},
        }
        image = pusher.manifest(
            "evil",
            "cfg",
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": pusher.blob("evil", json.dumps(config).encode(), OCI_CONFIG),
                "layers": [pusher.blob("evil", b"hostile layer", LAYER)],
                "annotations": {evil("annotation"): evil("annotated")},
            },
            OCI_MANIFEST,
        )
        entry = {
            **image,
            "platform": {"architecture": evil("arch"), "os": "linux", "variant": "[/]"},
            "annotations": {evil("entry"): evil("note")},
        }
        pusher.manifest(
            "evil",
            "idx",
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [entry],
                "annotations": {evil("index"): evil("annotation")},
            },
            OCI_INDEX,
        )
        pusher.manifest(
            "evil",
            "art",
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "artifactType": evil("artifact"),
                "config": pusher.blob("evil", b"{}", "application/vnd.oci.empty.v1+json"),
                "layers": [pusher.blob("evil", b"notes", "text/plain")],
            },
            OCI_MANIFEST,
        )
    finally:
        pusher.close()


@pytest.fixture
def hostile(registry_factory: Callable[..., TestRegistry]) -> TestRegistry:
    lab = registry_factory()
    push_hostile(lab.url)
    return lab


def twin(lab: TestRegistry, home: Path, *argv: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "DOCKER_CONFIG": str(home / "docker"),
    }
    flags = ["--registry", lab.url, "--registry-container", lab.container]
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", *flags, *argv],
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    for name, text in (("stdout", out), ("stderr", err)):
        assert not RAW_CONTROLS.findall(text), f"{argv} {name}: {RAW_CONTROLS.findall(text)[:5]}"
        assert "Traceback" not in text, f"{argv} {name}: {text[-2000:]}"
    return result.returncode, out, err


@pytest.mark.parametrize(
    ("argv", "labels"),
    [
        (("inspect", "evil:cfg"), ("variant", "entrypoint", "history", "created")),
        (("inspect", "evil:idx"), ("arch", "annotation")),
        (("inspect", "evil:art"), ("artifact",)),
        (("registry", "ls"), ("arch",)),
        (("rm", "--dry-run", "evil:idx"), ("arch",)),
    ],
    ids=lambda v: " ".join(v) if isinstance(v[0], str) and " " not in v[0] else None,
)
def test_twins_show_hostile_content_as_text(
    hostile: TestRegistry, tmp_path: Path, argv: tuple[str, ...], labels: tuple[str, ...]
) -> None:
    code, out, err = twin(hostile, tmp_path, *argv)
    assert code == 0, err
    for label in labels:
        assert f"{label}{ESCAPED}" in out, f"{label} is not shown: {out[:3000]}"
    code, out, err = twin(hostile, tmp_path, *argv, "--json")
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    if argv == ("inspect", "evil:cfg"):
        assert document["config"]["history"] == [evil("history")]
        assert document["config"]["entrypoint"] == [evil("entrypoint")]
        assert document["annotations"] == {evil("annotation"): evil("annotated")}
    if argv == ("inspect", "evil:idx"):
        assert document["manifests"][0]["platform"] == f"linux/{evil('arch')}/[/]"
        assert document["annotations"] == {evil("index"): evil("annotation")}
    if argv == ("registry", "ls"):
        kinds = {t["tag"]: t["platforms"] for r in document["repositories"] for t in r["tags"]}
        assert kinds["idx"] == [f"linux/{evil('arch')}/[/]"]


async def test_registry_and_clean_up_panes_show_hostile_content_as_text(
    hostile: TestRegistry, tmp_path: Path
) -> None:
    settings = Settings(registry_url=hostile.url, registry_container=hostile.container)
    app = make_app(settings, make_services(settings))
    seen: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, timeout=30)
        await pilot.press("3")
        await settle(pilot, timeout=30)
        await walk_registry(pilot, seen)
        table = app.query_one("#registry-tags", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("cfg"))
        await settle(pilot, timeout=30)
        spots = find_on_screen(app, "CLICK")
        assert spots, "the architecture is not on screen"
        for spot in spots:
            await pilot.click(offset=(spot.x, spot.y))
            await pilot.pause(0.1)
        seen.append(assert_safe(app, "after the clicks"))  # and still running
        await pilot.press("4")
        await settle(pilot, timeout=30)
        seen.append(assert_safe(app, "the clean-up list"))
        items = app.query_one("#cleanup-items", DataTable)
        items.focus()
        items.move_cursor(row=items.get_row_index("evil:idx"))
        await pilot.press("space")
        await pilot.pause()
        seen.append(assert_safe(app, "the plan"))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ModalScreen), "asking")
        seen.append(assert_safe(app, "the confirmation"))
        await pilot.press("escape")
        await pilot.pause()
    everything = "\n".join(seen)
    for label in ("variant", "arch", "history", "entrypoint", "annotation", "artifact"):
        assert f"{label}{ESCAPED}" in everything, f"{label} is not shown"
    assert f"linux/{CLICK_TO_QUIT}" in everything
