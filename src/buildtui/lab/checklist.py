"""Laboratory 7's checklist: what the guide observes, its nine items and their status.

`guide.evaluate` decides each item from `Observations`; the items themselves are in
`engine_items` (1-3) and `build_items` (4-9).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from buildtui.builds.history import BuildEntry
from buildtui.buildx.models import BuilderList
from buildtui.engine.status import EngineStatus
from buildtui.lab_records import LabRecords
from buildtui.pane_ids import PaneId, Preset, Target
from buildtui.registry.scan import RegistryScan

Translate = Callable[[str], str]

EXPORTERS = ("docker", "image", "oci", "tar", "local")


def untranslated(text: str) -> str:
    """The English text as it is (the default `Translate`)."""
    return text


class Status(StrEnum):
    DONE = "done"
    ACCEPTED = "accepted"
    """Done another way the lab allows (the docker driver where BuildKit cannot be pulled)."""
    TODO = "todo"
    ATTENTION = "attention"
    """Not done, and what was observed is misleading (e.g. CACHED from the local cache)."""

    @property
    def ticked(self) -> bool:
        return self in (Status.DONE, Status.ACCEPTED)


@dataclass(frozen=True)
class ExportCheck:
    """A build that exported with another exporter, and whether its result was found."""

    build_id: int
    exporter: str
    """docker (`--load`), oci, tar or local."""
    target: str
    """The file or folder it wrote, or the image it loaded."""
    found: bool
    inside_context: str | None = None
    """The build context the file or folder was written into (it changes the context)."""


@dataclass(frozen=True)
class Observations:
    registry_host: str
    registry_container: str
    cli: str = "buildtui"
    """`buildtui` with the flags that reach this registry (for pasteable commands)."""
    engine: EngineStatus | None = None
    builders: BuilderList | None = None
    buildkit_image: bool | None = None
    """Whether the docker-container driver's BuildKit image is in the engine (None: unknown)."""
    builds: tuple[BuildEntry, ...] = ()
    """Oldest first."""
    scan: RegistryScan | None = None
    scan_error: str | None = None
    records: LabRecords = field(default_factory=LabRecords)
    exports: tuple[ExportCheck, ...] = ()
    cache_digests: Mapping[int, str] = field(default_factory=dict)
    """Build id -> the cache manifest digest its log says it wrote (cache exports only)."""
    at: float = 0.0
    """When it was observed (Unix time; 0: unknown)."""

    @property
    def registry_down(self) -> bool:
        """The registry did not answer this look (not evidence about its contents)."""
        return self.scan is None and self.scan_error is not None


@dataclass(frozen=True)
class Item:
    number: int
    key: str
    title: str
    status: Status
    evidence: tuple[str, ...]
    commands: tuple[str, ...]
    target: Target
    """Where Enter takes the user: the pane that does it, filled in for it or not."""
    note: str | None = None
    """Why it is not done, or what to watch out for."""
    build_ids: tuple[int, ...] = ()
    """The builds its evidence comes from (the report shows their commands and logs)."""
    records: tuple[str, ...] = ()
    """The ids of the lab records its evidence comes from (prune, deletion, collection,
    cache size)."""
    digests: tuple[tuple[str, str], ...] = ()
    """(reference, digest) of what its evidence shows in the registry."""
    proven_at: float | None = None
    """When it was first seen done (its proof is kept); None: not proven."""
    kept: bool = False
    """Done by its kept proof, not by what is seen now (the note says what changed)."""

    @property
    def pane(self) -> PaneId:
        """The pane Enter shows."""
        return self.target.pane

    @property
    def preset(self) -> Preset | None:
        """What that pane is filled in with (None: shown as it is)."""
        return self.target.preset


@dataclass(frozen=True)
class Guide:
    items: tuple[Item, ...]

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.status.ticked)

    @property
    def progress(self) -> str:
        return f"{self.done}/{len(self.items)}"

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


ITEM_KEYS = (
    "platforms",
    "builder",
    "registry",
    "pushed",
    "exported",
    "cache-export",
    "cache-import",
    "cache-size",
    "bonus",
)
"""The nine items, in their order (the pane lists them before its first look ends)."""


def short_title(key: str, _: Translate = untranslated) -> str:
    """An item's name in a few words, for a list at 100 columns."""
    titles = {
        "platforms": _("amd64 and arm64 (emulation)"),
        "builder": _("docker-container builder"),
        "registry": _("Registry, deletion enabled"),
        "pushed": _("Two-platform image pushed"),
        "exported": _("Another exporter"),
        "cache-export": _("Registry cache, mode=max"),
        "cache-import": _("Prune, then import the cache"),
        "cache-size": _("Cache size against the image"),
        "bonus": _("Bonus: delete, collect, measure"),
    }
    return titles[key]
