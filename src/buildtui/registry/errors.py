"""What can go wrong talking to a registry; every message says what happened and what to do."""

from __future__ import annotations

from collections.abc import Sequence


class RegistryError(Exception):
    """Base of the registry client's errors. `str(error)` is a full sentence for the user."""


class BadReference(RegistryError):
    """An image reference or registry address that does not parse."""


class Unreachable(RegistryError):
    """The registry does not answer (down, wrong port, vanished mid-scan, timed out)."""


class TLSError(RegistryError):
    """The TLS handshake failed (untrusted certificate, or a plain-HTTP registry over HTTPS)."""


class AuthError(RegistryError):
    """401 or 403; `tried` names each set of credentials that was offered."""

    def __init__(self, message: str, *, status: int, tried: Sequence[str]) -> None:
        super().__init__(message)
        self.status = status
        self.tried = tuple(tried)


class NotFound(RegistryError):
    """A repository, tag, digest or blob the registry does not have; `what` says which."""

    def __init__(self, message: str, *, what: str) -> None:
        super().__init__(message)
        self.what = what


class DeleteDisabled(RegistryError):
    """DELETE answered 405 UNSUPPORTED: the registry runs without deletion enabled."""


class DigestMismatch(RegistryError):
    """The bytes served do not hash to the digest asked for or announced."""


class ManifestTooLarge(RegistryError):
    """A manifest (or config blob) bigger than the client's cap."""


class MalformedManifest(RegistryError):
    """A manifest that is not JSON (or not a JSON object, or nested too deeply to read);
    `raw` keeps the bytes to show, `digest` is what they hash to (when known)."""

    def __init__(self, message: str, *, raw: bytes = b"", digest: str | None = None) -> None:
        super().__init__(message)
        self.raw = raw
        self.digest = digest


class UnexpectedResponse(RegistryError):
    """Any other answer the client cannot use (5xx, unexpected status or content)."""
