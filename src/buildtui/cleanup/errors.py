"""What can go wrong cleaning a registry; every message says what happened and what to do."""

from __future__ import annotations

from buildtui.i18n import N_, _
from buildtui.registry.errors import (
    AuthError,
    DeleteDisabled,
    RegistryError,
    TLSError,
    Unreachable,
)


class CleanupError(Exception):
    """Base of the clean-up errors. `str(error)` is a full sentence for the user."""


class RegistryUnavailable(CleanupError):
    """The registry does not answer, or refuses us (down, wrong address, credentials)."""


class RegistryProblem(CleanupError):
    """The registry answered something the clean-up cannot use (a wrapped RegistryError)."""


class BadInput(CleanupError):
    """What the user typed cannot be used (a malformed reference or name, another
    registry's reference): the command-line twins exit 2 for it, as for usage errors."""


class PlanRefused(CleanupError):
    """The plan has refusals (it would lose data a remaining tag needs, or cannot be done)."""

    def __init__(self, message: str, refusals: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.refusals = refusals


class RegistryChanged(CleanupError):
    """The registry is not what the plan was made from (a tag moved, appeared or went)."""


class DeletionDisabled(CleanupError):
    """DELETE answered 405: deletion is off, or the registry is in read-only mode."""

    def __init__(self, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported
        """True when deletion is turned off (405 UNSUPPORTED), not read-only mode."""


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


class CollectionBusy(CleanupError):
    """Another garbage collection or deletion holds the registry container's lock."""


class CollectionInterrupted(CleanupError):
    """A garbage collection was interrupted; `buildtui gc --resume` finishes it."""


class JournalUnavailable(CleanupError):
    """The data dir that holds the collections' journals and locks cannot be written."""


class JournalDamaged(CleanupError):
    """A collection's journal could not be read: it was moved aside; the message says what
    state the registry is in and what to do."""


class UnusableFile(CleanupError):
    """Something else than a regular file (a FIFO, a directory, a device, a symbolic link)
    is where a journal or a lock should be: it is not opened, the message says to remove it."""


class Cancelled(CleanupError):
    """The collection's process was asked to stop before the registry was stopped."""


def from_registry_error(error: RegistryError) -> CleanupError:
    """The clean-up error for a registry client error (same message)."""
    if isinstance(error, Unreachable | TLSError | AuthError):
        return RegistryUnavailable(str(error))
    if isinstance(error, DeleteDisabled):
        return DeletionDisabled(str(error))
    return RegistryProblem(str(error))


DELETE_DISABLED_FIX = N_(
    "{registry} refuses DELETE (405 UNSUPPORTED): deletion is turned off. Start "
    "the registry again with REGISTRY_STORAGE_DELETE_ENABLED=true, keeping its "
    "storage"
)
DELETE_DISABLED_UNKNOWN_CONTAINER = N_(
    " (`buildtui doctor` prints the exact command for the configured registry container)"
)
READ_ONLY_FIX = N_(
    "{registry} refuses DELETE and PUT (405 Method not allowed): it runs in "
    "read-only maintenance mode (REGISTRY_STORAGE_MAINTENANCE_READONLY), e.g. "
    "while garbage collection runs. Wait for it to finish, or start the registry "
    "without that setting"
)


def deletion_refused(
    registry: str, status: int, body: bytes, *, fix: str | None = None
) -> DeletionDisabled:
    """The clear error for a 405 answer to DELETE or PUT.

    `fix` is the exact way out for this registry's container (see
    `buildtui.engine.registry_container.deletion_disabled_advice`); without it the
    message names no command rather than one with a placeholder.
    """
    if b"UNSUPPORTED" in body:
        text = _(DELETE_DISABLED_FIX).format(registry=registry)
        text += f": {fix}" if fix else _(DELETE_DISABLED_UNKNOWN_CONTAINER)
        return DeletionDisabled(text, unsupported=True)
    return DeletionDisabled(_(READ_ONLY_FIX).format(registry=registry))
