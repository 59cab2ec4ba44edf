"""What can go wrong cleaning a registry; every message says what happened and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buildtui.registry.errors import (
    AuthError,
    DeleteDisabled,
    RegistryError,
    TLSError,
    Unreachable,
)

if TYPE_CHECKING:
    from buildtui.cleanup.execute import ExecutionReport


class CleanupError(Exception):
    """Base of the clean-up errors. `str(error)` is a full sentence for the user."""


class RegistryUnavailable(CleanupError):
    """The registry does not answer, or refuses us (down, wrong address, credentials)."""


class RegistryProblem(CleanupError):
    """The registry answered something the clean-up cannot use (a wrapped RegistryError)."""


class PlanRefused(CleanupError):
    """The plan has refusals (it would lose data a remaining tag needs, or cannot be done)."""

    def __init__(self, message: str, refusals: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.refusals = refusals


class RegistryChanged(CleanupError):
    """The registry is not what the plan was made from (a tag moved, appeared or went)."""


class DeletionDisabled(CleanupError):
    """DELETE answered 405: deletion is off, or the registry is in read-only mode."""


class ExecutionFailed(CleanupError):
    """A request failed midway; `report` says exactly what was done and what was not."""

    def __init__(self, message: str, report: ExecutionReport) -> None:
        super().__init__(message)
        self.report = report


class EngineUnavailable(CleanupError):
    """The docker CLI is missing or the engine does not answer."""


class ContainerNotFound(CleanupError):
    """No container has the configured registry container's name."""


class NotARegistryContainer(CleanupError):
    """The container exists but does not run a distribution (registry:2) registry."""


class GcRefused(CleanupError):
    """Garbage collection would be unsafe as asked (e.g. -m, or a container started with --rm)."""


class GcFailed(CleanupError):
    """`registry garbage-collect` failed; `output` holds the tail of what it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class RestartFailed(CleanupError):
    """The registry container did not start again after garbage collection."""


def from_registry_error(error: RegistryError) -> CleanupError:
    """The clean-up error for a registry client error (same message)."""
    if isinstance(error, Unreachable | TLSError | AuthError):
        return RegistryUnavailable(str(error))
    if isinstance(error, DeleteDisabled):
        return DeletionDisabled(str(error))
    return RegistryProblem(str(error))
