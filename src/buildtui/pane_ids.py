"""The app's panes by name, and where a lab item takes the user: no Textual here.

The lab guide (`buildtui.lab`) names the pane that does each item and what that pane is
filled in with; the app (`buildtui.app.panes`) has one spec per `PaneId` and one action
per `Preset`. A test checks that every `Target` resolves to a pane and an action it has.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class PaneId(StrEnum):
    """A pane of the app's tabs (its tab's id, and the id its key binding names)."""

    BUILDERS = "builders"
    BUILD = "build"
    REGISTRY = "registry"
    CLEANUP = "cleanup"
    LAB = "lab"


class Preset(StrEnum):
    """What a pane is filled in with for a lab item."""

    LAB = "lab"
    """The Build form with the lab's build."""
    CREATE = "create"
    """The Builders pane's create form with the lab's builder."""
    PRUNE = "prune"
    """The Builders pane's prune of the builder in use."""


class Target(Enum):
    """Where Enter takes the user for a lab item: a pane, filled in or not."""

    BUILDERS = (PaneId.BUILDERS, None)
    CREATE_BUILDER = (PaneId.BUILDERS, Preset.CREATE)
    PRUNE_BUILDER = (PaneId.BUILDERS, Preset.PRUNE)
    BUILD = (PaneId.BUILD, None)
    LAB_BUILD = (PaneId.BUILD, Preset.LAB)
    REGISTRY = (PaneId.REGISTRY, None)
    CLEANUP = (PaneId.CLEANUP, None)

    @property
    def pane(self) -> PaneId:
        pane: PaneId = self.value[0]
        return pane

    @property
    def preset(self) -> Preset | None:
        preset: Preset | None = self.value[1]
        return preset
