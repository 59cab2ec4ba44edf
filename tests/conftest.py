"""Shared test configuration: no test reads the user's own settings or history, and
the Hypothesis profiles (`HYPOTHESIS_PROFILE=dev|ci|thorough`; `ci` when CI=true)."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# max_examples is a base count: the property tests scale it (the planner's runs 20 times it).
# `ci` runs the full counts; `dev`, the default at a developer's desk, a fifth of them
# (each run draws new examples, and a failure found is kept and replayed first).
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, database=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(
    os.environ.get(
        "HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
    )
)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The end of a worker of `-n`, made quick: the run waits for its slowest worker.

    Its heap is frozen, so that the five full collections pytest runs at its end (to
    find unraisable exceptions of objects collected late) scan nothing: each scanned the
    heap of a worker that ran hundreds of apps, ~1-2 s of CPU. Then, once pytest is done
    with it and its reports are sent, it leaves without tearing that heap down object
    by object (~3 s). A run without `-n` ends as pytest ends it."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        gc.freeze()
        atexit.register(leave_now)


def leave_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point config, data and state dirs at a temporary home; drop BUILDTUI_* variables."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    import os

    for key in list(os.environ):
        if key.startswith("BUILDTUI_"):
            monkeypatch.delenv(key)
    # English whatever the machine's locale (snapshots, messages), in this process and in
    # the twins tests run; a test that wants Polish sets it, and it is reset after.
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    from buildtui.i18n import set_language

    set_language("en")
    yield home
    set_language("en")
