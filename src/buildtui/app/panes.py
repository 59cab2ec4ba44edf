"""The panes of the app's tabs: the `Pane` base class and one spec per pane.

`PANE_SPECS` is the one list the app (its tabs, keys, palette and lab steps), the
command table and the wiring read. A new pane is named in four places: its id
(`PaneId`, in `buildtui.pane_ids`, without Textual, so that the lab can point at it),
its spec here, its `Services` field, and its entry in `wiring.WIRING` (its class, and
how its real service is built); its code is a `Pane` subclass with `from_services`, in
a folder of its own (`app/<feature>/pane.py`).

Nothing here imports a pane's module (the pane modules import this one): the wiring
does, when the pane is first made, so that the pane in front is drawn before the
others are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Self

from textual.widget import Widget

from buildtui.i18n import N_
from buildtui.pane_ids import PaneId, Preset

if TYPE_CHECKING:
    from buildtui.app.commands import Command
    from buildtui.app.services import Services
    from buildtui.engine.status import EngineStatus


class Pane(Widget):
    """A pane of the app's tabs, made from the services (`from_services`)."""

    COMMANDS: ClassVar[tuple[Command, ...]] = ()
    """The pane's commands (its bindings, footer and palette entries)."""
    AUTO_FOCUS: ClassVar[str | None] = None
    """Where the focus starts when the pane is shown (a selector; None: its first
    focusable widget)."""
    busy: bool = False
    """In the middle of something that a read of the registry must not interrupt."""

    @classmethod
    def from_services(cls, services: Services) -> Self | None:
        """The pane on `services`; None if its service is missing."""
        raise NotImplementedError

    def action_refresh(self) -> None:
        """Read again what the pane shows."""
        raise NotImplementedError

    def before_lab_step(self, status: EngineStatus | None) -> None:
        """Called before a lab step's preset runs on the pane (`status`: the last probe)."""


@dataclass(frozen=True)
class PaneSpec:
    id: PaneId
    title: str
    """The tab's title (English, marked with `N_`: translate with `_`)."""
    key: str
    """The key that shows it (alt+key from inside a text field)."""
    help: str
    """The palette's line for showing it (English, marked with `N_`)."""
    service: Callable[[Services], object | None]
    """The service the pane is made from (None: not available)."""
    presets: Mapping[Preset, str] = field(default_factory=dict)
    """The pane's action that fills it in for each preset a lab item names."""
    shows_registry: bool = False
    """It shows the registry's contents: read again when another pane changes them."""


PANE_SPECS = (
    PaneSpec(
        PaneId.BUILDERS,
        N_("Builders"),
        "1",
        N_("Show the Builders pane"),
        lambda services: services.builders,
        presets={Preset.CREATE: "create_lab_builder", Preset.PRUNE: "prune"},
    ),
    PaneSpec(
        PaneId.BUILD,
        N_("Build"),
        "2",
        N_("Show the Build pane"),
        lambda services: services.build,
        presets={Preset.LAB: "apply_preset"},
    ),
    PaneSpec(
        PaneId.REGISTRY,
        N_("Registry"),
        "3",
        N_("Show the Registry pane"),
        lambda services: services.registry,
        shows_registry=True,
    ),
    PaneSpec(
        PaneId.CLEANUP,
        N_("Clean-up"),
        "4",
        N_("Show the Clean-up pane"),
        lambda services: services.cleanup,
        shows_registry=True,
    ),
    PaneSpec(
        PaneId.LAB,
        N_("Lab"),
        "5",
        N_("Show the Lab pane"),
        lambda services: services.lab,
    ),
)
"""The panes, in the order of their tabs."""
SPECS: Mapping[PaneId, PaneSpec] = {spec.id: spec for spec in PANE_SPECS}
