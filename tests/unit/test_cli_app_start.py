"""`buildtui` with no command starts the app with garbage collection paused."""

from __future__ import annotations

import gc

import pytest

from buildtui import cli
from buildtui.settings import Settings


def test_the_app_is_imported_and_started_with_collection_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nearly all that Textual and the app allocate while imported lives as long as the
    # app: collecting meanwhile only re-scans it. The app resumes collecting once started.
    seen: list[bool] = []

    def run_app(settings: Settings) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "needs_terminal_message", lambda: None)
    monkeypatch.setattr("buildtui.app.app.run_app", run_app)
    try:
        assert cli.main([]) == 0
    finally:
        gc.enable()
    assert seen == [False]
