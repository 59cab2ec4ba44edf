"""buildx builders without any UI: models, parsers, commands, errors and the service.

The package imports nothing heavy: `buildtui.buildx.builders` (python-on-whales) loads
only when a name from it is used, so `buildtui --version` and the first frame do not
pay for it.
"""

from __future__ import annotations

from typing import Any

_MODULES = {
    "BootstrapRun": "builders",
    "BuildersBackend": "builders",
    "BuildersService": "builders",
    "CreatePlan": "commands",
    "BuildxError": "errors",
    "BuildxUnavailable": "errors",
    **dict.fromkeys(
        ("Builder", "BuilderList", "CreateOptions", "CreateRequest", "DiskUsage",
         "Inspection", "Node", "Platform", "PruneOptions", "PrunePreview", "PruneResult"),
        "models",
    ),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'buildtui.buildx' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"buildtui.buildx.{module}"), name)
