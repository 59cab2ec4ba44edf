"""A status service with a fixed answer, for layout and behaviour tests."""

from __future__ import annotations

import threading

from buildtui.engine.status import Check, EngineStatus


def healthy_status(registry_url: str = "http://localhost:5000") -> EngineStatus:
    return EngineStatus(
        server_version="26.1.5",
        context="default",
        image_store="containerd",
        buildx_version="0.13.1",
        builder="default",
        builder_driver="docker",
        platforms=("linux/amd64", "linux/arm64"),
        registry_url=registry_url,
        registry_up=True,
        registry_delete_enabled=True,
        checks=(
            Check("engine", "ok", "Docker Engine 26.1.5"),
            Check("buildx", "ok", "buildx 0.13.1"),
            Check("registry", "ok", f"registry answers at {registry_url}"),
        ),
    )


def engine_down_status(registry_url: str = "http://localhost:5000") -> EngineStatus:
    return EngineStatus(
        buildx_version="0.13.1",
        registry_url=registry_url,
        registry_up=False,
        checks=(
            Check(
                "engine",
                "error",
                "Docker engine not reachable: Cannot connect to the Docker daemon",
                "start the Docker daemon",
            ),
            Check("buildx", "ok", "buildx 0.13.1"),
            Check(
                "registry",
                "error",
                f"no registry at {registry_url}: connection refused",
                "`docker start registry7`",
            ),
        ),
    )


class FakeStatusService:
    """Answers `probe()` with the given snapshot; counts calls; can block to test the UI."""

    def __init__(self, status: EngineStatus, *, gate: threading.Event | None = None) -> None:
        self.status = status
        self.calls = 0
        self.gate = gate

    def probe(self) -> EngineStatus:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(timeout=10)
        return self.status
