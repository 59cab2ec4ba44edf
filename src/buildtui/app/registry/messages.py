"""The Registry pane's messages: its workers' results, posted back to the pane.

The namespace keeps the handler names a message nested in `RegistryPane` would have
(`on_registry_pane_loaded` ...); the pane also names them (`RegistryPane.Loaded`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from buildtui.registry.browser import TagResult
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.errors import RegistryError
from buildtui.registry.scan import ChildReport


@dataclass
class Loaded(Message, namespace="registry_pane"):
    """The repositories of the registry were listed."""

    registry: str
    repositories: list[str]
    cut: str | None = None
    """Why the catalog stops early (a bound was hit), if it does."""


class RepositoriesRead(Message, namespace="registry_pane"):
    """One more page of the catalog (a large catalog comes page by page, for minutes)."""

    def __init__(self, registry: str, repositories: list[str]) -> None:
        super().__init__()
        self.registry = registry
        self.repositories = repositories


@dataclass
class TagsLoaded(Message, namespace="registry_pane"):
    repository: str
    tags: list[str]
    cut: str | None = None
    """Why the tag list stops early (a bound was hit), if it does."""


class TagsInspected(Message, namespace="registry_pane"):
    """Tags read since the last batch, in the order they were read."""

    def __init__(self, repository: str, results: list[TagResult]) -> None:
        super().__init__()
        self.repository = repository
        self.results = results


class EntriesRead(Message, namespace="registry_pane"):
    """Entries of a large index read on demand (opened in the tree)."""

    def __init__(self, repository: str, tag: str, entries: list[ChildReport]) -> None:
        super().__init__()
        self.repository = repository
        self.tag = tag
        self.entries = entries


class CacheCompared(Message, namespace="registry_pane"):
    """A cache image's layers were compared with the registry's images."""

    def __init__(self, repository: str, tag: str, breakdown: CacheBreakdown) -> None:
        super().__init__()
        self.repository = repository
        self.tag = tag
        self.breakdown = breakdown


@dataclass
class Failed(Message, namespace="registry_pane"):
    """A registry call failed; `what` says which (repositories, tags)."""

    what: str
    error: RegistryError
