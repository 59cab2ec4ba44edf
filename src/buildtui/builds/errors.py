"""The build service's errors: each message says what happened and what to do."""

from __future__ import annotations


class BuildError(Exception):
    """Something about running a build went wrong."""


class OptionsError(BuildError):
    """The form asks for something buildx would refuse."""


class BuildUnavailable(BuildError):
    """The docker CLI or its buildx plugin cannot be run."""


class HistoryError(BuildError):
    """The build history database cannot be read or written."""
