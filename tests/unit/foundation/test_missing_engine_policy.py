"""A missing engine fails the run in CI and skips elsewhere, saying what is missing."""

from __future__ import annotations

import pytest

from tests.integration.lab import missing


def test_in_ci_a_missing_engine_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="the buildx plugin is missing"):
        missing("the buildx plugin is missing")


def test_elsewhere_it_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"scripts/test\.sh"):
        missing("the Docker engine is not reachable")
