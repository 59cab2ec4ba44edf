"""The class as the instructor sees it: what the Class pane and `buildtui class …` ask for.

One registry service for the class's repository (the app's registry client, docker's
credentials); its reads run on the client's own thread and each submission is handed
back (`on_row`) as soon as it is read, with the copies found so far. Once all are read,
the digests they cite are asked of the lab registries they name, each once, the
registries at once and each with its client's bounded concurrency; a registry that is
on the student's machine or does not answer is "not reachable".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from buildtui.classroom.checks import (
    CopyIndex,
    ServedCheck,
    SharedBuild,
    Translate,
    disagreements,
    served_check,
    untranslated,
)
from buildtui.classroom.ref import ClassRef
from buildtui.classroom.remote import (
    Submission,
    on_students_machine,
    read_class,
    read_files,
    read_report,
)
from buildtui.classroom.schema import SubmissionManifest
from buildtui.engine.registry_side import DockerSide
from buildtui.lab_records import LabRecords
from buildtui.registry.client import RegistryClient
from buildtui.registry.errors import RegistryError, Unreachable
from buildtui.registry.requests_thread import on_caller
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings

LAB_TIMEOUT = 5.0
"""Seconds to wait for a lab registry (often one the instructor cannot reach)."""
MAX_CHECKED = 10_000
"""Digests asked of lab registries at most, in all."""
Key = tuple[str, str, str, bool]
HAND_OVER = 10
"""Rows handed over at once after the digests' check, before the caller's loop turns."""


@dataclass(frozen=True)
class ClassRow:
    submission: Submission
    disagreements: tuple[str, ...] = ()
    shared: tuple[SharedBuild, ...] = ()
    served: ServedCheck | None = None
    """None: not checked (yet)."""

    @property
    def tag(self) -> str:
        return self.submission.tag


@dataclass
class ClassBook:
    """The class read so far: a row per tag, and the builds two submissions share."""

    translate: Translate = untranslated
    rows: dict[str, ClassRow] = field(default_factory=dict)
    copies: CopyIndex = field(default_factory=CopyIndex)

    def add(self, submission: Submission) -> list[ClassRow]:
        """Take a submission; the rows that changed (its own, and those it shares a
        build with)."""
        found = tuple(disagreements(submission, self.translate))
        # The records are needed for that check only: not kept for every row of a class.
        self.rows[submission.tag] = ClassRow(replace(submission, records=LabRecords()), found)
        changed = self.copies.add(submission) | {submission.tag}
        out = []
        for tag in sorted(changed):
            row = replace(self.rows[tag], shared=tuple(self.copies.shared(tag)))
            self.rows[tag] = row
            out.append(row)
        return out

    def sorted_rows(self) -> list[ClassRow]:
        return [self.rows[tag] for tag in sorted(self.rows)]


@dataclass(frozen=True)
class ClassListing:
    rows: tuple[ClassRow, ...]
    cut: str | None = None


class ClassService:
    """A class's submissions in `ref` (a repository of the class's registry)."""

    def __init__(
        self,
        settings: Settings,
        ref: ClassRef,
        *,
        registry: RegistryService | None = None,
        translate: Translate = untranslated,
        lab_timeout: float = LAB_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.ref = ref
        self.registry = registry or RegistryService(
            settings, address=ref.registry, engine=DockerSide(settings)
        )
        self.translate = translate
        self.lab_timeout = lab_timeout

    async def read(
        self,
        on_row: Callable[[ClassRow], None] | None = None,
        *,
        check_served: bool = True,
    ) -> ClassListing:
        """Every submission, each handed to `on_row` (on the caller's event loop) when
        read, and again when something about it changed (a copy found, the digests
        checked)."""
        book = ClassBook(self.translate)

        def arrived(submission: Submission) -> None:
            for row in book.add(submission):
                if on_row is not None:
                    on_row(row)

        relay = on_caller(arrived)
        repository = self.ref.repository

        async def read_all(client: RegistryClient) -> str | None:
            # The disk cache is opened on the client's thread, as the scans open it.
            cache = self.registry.blob_cache
            return (await read_class(client, repository, relay, cache=cache)).cut

        cut = await self.registry.call(read_all)
        if check_served:
            await self._check_served(book, on_row)
        return ClassListing(tuple(book.sorted_rows()), cut)

    async def _check_served(
        self, book: ClassBook, on_row: Callable[[ClassRow], None] | None
    ) -> None:
        _ = self.translate
        wanted: dict[str, set[Key]] = {}
        for row in book.rows.values():
            for one in row.submission.digests:
                key = (one.registry, one.repository, one.digest, one.blob)
                wanted.setdefault(one.registry, set()).add(key)
        answers: dict[Key, bool | None] = {}
        unreachable: dict[str, str] = {}
        budget = MAX_CHECKED
        asked: list[tuple[str, list[Key]]] = []
        for host in sorted(wanted):
            if on_students_machine(host):
                unreachable[host] = _(
                    "Its lab registry {host} is on the student's own machine: not reachable "
                    "from here."
                ).format(host=host)
                continue
            keys = sorted(wanted[host])[: max(budget, 0)]
            budget -= len(keys)
            asked.append((host, keys))
        results = await asyncio.gather(*(self._ask(host, keys) for host, keys in asked))
        for (host, _keys), (found, reason) in zip(asked, results, strict=True):
            answers.update(found)
            if reason is not None:
                unreachable[host] = reason
        for number, (tag, row) in enumerate(list(book.rows.items())):
            checked = served_check(row.submission.digests, answers, unreachable)
            book.rows[tag] = replace(row, served=checked)
            if on_row is not None:
                on_row(book.rows[tag])
                if number % HAND_OVER == HAND_OVER - 1:
                    await asyncio.sleep(0)  # the caller's keys, between batches of rows

    async def _ask(
        self, host: str, keys: Sequence[Key]
    ) -> tuple[dict[Key, bool | None], str | None]:
        """Whether `host` serves each of `keys`, or why it could not be asked."""
        _ = self.translate
        service = self.registry.open(host, timeout=self.lab_timeout)
        answers: dict[Key, bool | None] = {}
        try:
            try:
                await service.ping()
            except RegistryError as error:
                return answers, _(
                    "Its lab registry {host} is not reachable from here: {error}"
                ).format(host=host, error=error)

            async def one(client: RegistryClient, key: Key) -> None:
                _registry, repository, digest, blob = key
                try:
                    answers[key] = await client.has(repository, digest, blob=blob)
                except Unreachable:
                    answers[key] = None
                except RegistryError:
                    answers[key] = None

            async def all_of(client: RegistryClient) -> None:
                await asyncio.gather(*(one(client, key) for key in keys))

            await service.call(all_of)
        finally:
            await service.aclose()
        return answers, None

    async def report(self, reference: str) -> str:
        """The Markdown report of the submission under `reference` (a tag or digest)."""
        repository = self.ref.repository
        return await self.registry.call(lambda client: read_report(client, repository, reference))

    async def files(self, reference: str) -> tuple[SubmissionManifest, list[tuple[str, bytes]]]:
        """Every file of the submission under `reference`, with its name."""
        repository = self.ref.repository
        return await self.registry.call(lambda client: read_files(client, repository, reference))

    async def aclose(self) -> None:
        await self.registry.aclose()
