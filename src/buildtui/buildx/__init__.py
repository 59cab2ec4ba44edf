"""buildx builders without any UI: models, parsers, commands, errors and the service."""

from buildtui.buildx.builders import BootstrapRun, BuildersBackend, BuildersService
from buildtui.buildx.commands import CreatePlan
from buildtui.buildx.errors import BuildxError, BuildxUnavailable
from buildtui.buildx.models import (
    Builder,
    BuilderList,
    CreateOptions,
    CreateRequest,
    DiskUsage,
    Inspection,
    Node,
    Platform,
    PruneOptions,
    PrunePreview,
    PruneResult,
)

__all__ = [
    "BootstrapRun",
    "Builder",
    "BuilderList",
    "BuildersBackend",
    "BuildersService",
    "BuildxError",
    "BuildxUnavailable",
    "CreateOptions",
    "CreatePlan",
    "CreateRequest",
    "DiskUsage",
    "Inspection",
    "Node",
    "Platform",
    "PruneOptions",
    "PrunePreview",
    "PruneResult",
]
