"""What the lab engine has: Docker, image store, buildx, builder in use, emulation, registry.

The snapshot types only; `buildtui.doctor` fills them in. Kept free of
python-on-whales and httpx so that the UI can import it before its first frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Level = Literal["ok", "warn", "error"]


@dataclass(frozen=True)
class Check:
    """One prerequisite: what was found, and what to do when it is not right."""

    name: str
    level: Level
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.level == "ok"


@dataclass(frozen=True)
class EngineStatus:
    """A snapshot of the lab engine, as the status bar shows it."""

    server_version: str | None = None
    context: str | None = None
    image_store: str | None = None
    buildx_version: str | None = None
    builder: str | None = None
    builder_driver: str | None = None
    platforms: tuple[str, ...] = ()
    registry_url: str = ""
    registry_up: bool = False
    registry_delete_enabled: bool | None = None
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def engine_up(self) -> bool:
        return self.server_version is not None

    @property
    def lab_registry_here(self) -> bool:
        """Whether the lab registry answers on this host (localhost, 127.0.0.0/8, ::1)."""
        host = urlsplit(self.registry_url).hostname or ""
        return self.registry_up and (
            host == "localhost" or host.startswith("127.") or host == "::1"
        )

    @property
    def problems(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.level == "error")
