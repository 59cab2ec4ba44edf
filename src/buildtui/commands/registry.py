"""`buildtui inspect REF` and `buildtui registry ls [HOST[:PORT]]`: the Registry pane's twins."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from buildtui import l10n
from buildtui.commands.output import SCHEMA_VERSION, print_json
from buildtui.commands.progress import Quiet, TerminalProgress, progress_for
from buildtui.commands.running import run_then_close
from buildtui.i18n import _, ngettext
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.errors import BadReference, RegistryError
from buildtui.registry.models import Kind
from buildtui.registry.present import format_size, inspect_json, repository_json, scan_end_json
from buildtui.registry.reference import same_registry
from buildtui.registry.rows import (
    progress_text,
    report_text,
    repository_lines,
    scan_end_lines,
    scan_header,
    scan_text,
)
from buildtui.registry.scan import RegistryScan, RepositoryListing, ScanProgress
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.cleanup.plan import Selection
    from buildtui.cleanup.service import CleanupService
    from buildtui.cleanup.space import SpaceReport, SpaceRow
    from buildtui.registry.client import RawManifest
    from buildtui.registry.scan import ImageReport
    from buildtui.registry.service import RegistryService


def register(subparsers: Any) -> None:
    inspect = subparsers.add_parser(
        "inspect",
        help="show an image's manifest: index, platforms, sizes (like imagetools inspect)",
        description="Show what a registry holds for REF. A REF without a registry host "
        "(e.g. lab:cachetest) is looked up in the lab registry (--registry).",
    )
    inspect.add_argument("ref", metavar="REF", help="e.g. localhost:5000/lab:cachetest")
    output = inspect.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the manifest summary as JSON")
    output.add_argument(
        "--raw",
        action="store_true",
        help="print the manifest bytes as served (on a terminal, control characters shown)",
    )
    inspect.set_defaults(handler=run_inspect)

    registry = subparsers.add_parser("registry", help="look into a registry")
    actions = registry.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    ls = actions.add_parser(
        "ls", help="list every repository and tag with digest, kind, platforms and size"
    )
    ls.add_argument(
        "host", nargs="?", metavar="HOST[:PORT]", help="registry to list (default: --registry)"
    )
    ls.add_argument("--json", action="store_true", help="print the listing as JSON")
    ls.set_defaults(handler=run_ls)
    cache = actions.add_parser(
        "cache",
        help="show the disk cache of manifests and blobs read by digest; --clear empties it",
        description="Manifests and blobs read by digest never change: the panes and the "
        "registry commands keep them on disk, capped, each checked against its digest when "
        "read. This shows where, how many and how much; --clear empties it (every scan then "
        "reads everything from the registry once more).",
    )
    cache.add_argument("--clear", action="store_true", help="drop every entry")
    cache.add_argument("--json", action="store_true", help="print the figures as JSON")
    cache.set_defaults(handler=run_cache)
    space = actions.add_parser(
        "space",
        help="what deleting each tag, repository, cache image or untagged revision frees",
        description="Where the lab registry's space goes: every tag, repository, cache "
        "image, referrer and untagged revision with the bytes deleting it would free after "
        "a garbage collection (what no remaining tag shares: the deletion plan's own "
        "figure), largest first; the space by repository and by kind as bars; with "
        "--what-if, what deleting several at once frees (shared blobs counted once).",
    )
    space.add_argument("--json", action="store_true", help="print every figure as JSON")
    space.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="REF",
        help="what deleting these together frees: repo:tag, repo@digest, or REPO/ for a "
        "whole repository (repeatable)",
    )
    space.add_argument("--all", action="store_true", help="list every row (default: the top 40)")
    space.set_defaults(handler=run_space)


def _fail(error: RegistryError) -> int:
    print(f"buildtui: {error}", file=sys.stderr)
    return 2 if isinstance(error, BadReference) else 1


def run_inspect(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.engine.registry_side import DockerSide
    from buildtui.registry.service import RegistryService  # httpx: only when a command needs it

    try:
        home = RegistryService(settings, engine=DockerSide(settings))
        ref = home.parse(args.ref)
        service = home if same_registry(ref.registry, home.registry) else home.open(ref.registry)
        if args.raw:

            async def fetch(s: RegistryService) -> RawManifest:
                return await s.call(
                    lambda client: client.fetch_manifest(ref.repository, ref.identifier)
                )

            raw = run_then_close(service, fetch)
            if sys.stdout.isatty():  # for a person: control characters shown, not sent
                print(raw.raw.decode("utf-8", "replace"))
                return 0
            sys.stdout.buffer.write(raw.raw)  # for a program: the bytes the digest is of
            sys.stdout.buffer.flush()
            return 0

        progress = progress_for(args.json)

        def entries_read(done: int, total: int) -> None:
            progress.show(
                _("{done} of {total} index entries read").format(
                    done=l10n.count(done), total=l10n.count(total)
                )
            )

        async def read(s: RegistryService) -> tuple[ImageReport, CacheBreakdown | None]:
            report = await s.inspect(ref.repository, ref.identifier, on_entry=entries_read)
            if report.kind is Kind.CACHE:
                progress.show(_("comparing the cache with the registry's images"))
            return report, await s.breakdown(report)

        try:
            report, breakdown = run_then_close(service, read)
        finally:
            progress.clear()
    except RegistryError as error:
        return _fail(error)
    if args.json:
        print_json(inspect_json(report, breakdown))
    else:
        print(report_text(report, service.commands(report), breakdown))
    return 0


def run_ls(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.engine.registry_side import DockerSide
    from buildtui.registry.service import RegistryService  # httpx: only when a command needs it

    progress = progress_for(args.json)
    listing = ScanListing(progress, args.json)
    try:
        service = RegistryService(settings, engine=DockerSide(settings))
        if args.host:
            service = service.open(args.host)
        scan = run_then_close(service, listing.scan)
    except RegistryError as error:
        progress.clear()
        listing.fail(error)
        return _fail(error)
    finally:
        progress.clear()
    listing.end(scan)
    return 1 if listing.failed else 0


def render_scan(scan: RegistryScan) -> str:
    """`registry ls` as text: the rows and summary the pane's come from (`registry.rows`)."""
    return scan_text(scan)


class ScanListing:
    """`registry ls` printed as the scan goes: each repository once all its tags are read
    (in catalog order), then the summary. Nothing of a tag is kept but its line's facts,
    so the memory stays small whatever the registry's size. `--json` prints the same
    document as a whole would be, piece by piece."""

    def __init__(self, progress: TerminalProgress | Quiet, as_json: bool) -> None:
        self.progress = progress
        self.json = JsonStream(progress) if as_json else None
        self.started = False
        self.failed = 0
        self.broken: BaseException | None = None
        """What printing raised (a closed pipe): the scan stops, and this is raised."""

    async def scan(self, service: RegistryService) -> RegistryScan:
        if self.json is not None:
            self.json.registry = service.registry
        task = asyncio.ensure_future(
            service.scan(keep=False, on_repository=self.repository, on_progress=self.show_progress)
        )
        self._task = task
        try:
            return await task
        except asyncio.CancelledError:
            if self.broken is not None:
                raise self.broken from None
            raise

    def show_progress(self, progress: ScanProgress) -> None:
        self.progress.show(progress_text(progress))

    def repository(self, listing: RepositoryListing) -> None:
        if self.broken is not None:
            return
        try:
            self._repository(listing)
        except BaseException as error:  # a closed pipe: stop reading the registry
            self.broken = error
            self._task.cancel()

    def _repository(self, listing: RepositoryListing) -> None:
        self.failed += (
            (listing.error is not None)
            + (listing.cut is not None)
            + sum(1 for entry in listing.entries if entry.failed)
        )
        if self.json is not None:
            self.json.repository(repository_json(listing))
            return
        lines = repository_lines(listing)
        if not self.started:
            self.started = True
            lines.insert(0, scan_header())
        self.progress.print(lines)

    def end(self, scan: RegistryScan) -> None:
        self.failed += 1 if scan.catalog_cut else 0
        if self.json is not None:
            self.json.end(scan_end_json(scan))
        else:
            self.progress.print(scan_end_lines(scan))

    def fail(self, error: RegistryError) -> None:
        """The catalog could not be read to its end: a JSON document already begun is
        closed with the error (so that it stays valid)."""
        if self.json is not None and self.json.started:
            self.json.end({"error": str(error)})


class JsonStream:
    """`{"schema_version": 1, "registry": ..., "repositories": [...], ...}` written one
    repository at a time, byte for byte as `print_json` writes the whole document."""

    def __init__(self, progress: TerminalProgress | Quiet) -> None:
        self.progress = progress
        self.registry = ""
        self.started = False
        self.count = 0

    def _start(self) -> None:
        if not self.started:
            self.started = True
            self.progress.write(
                "{\n"
                f'  "schema_version": {SCHEMA_VERSION},\n'
                f'  "registry": {json.dumps(self.registry)},\n'
                '  "repositories": ['
            )

    def repository(self, document: dict[str, Any]) -> None:
        self._start()
        text = textwrap.indent(json.dumps(document, indent=2), "    ")
        self.progress.write((",\n" if self.count else "\n") + text)
        self.count += 1

    def end(self, rest: dict[str, Any]) -> None:
        """The list closed, then `rest`'s keys, then the document."""
        self._start()
        text = "\n  ]" if self.count else "]"
        for key, value in rest.items():
            shown = json.dumps(value, indent=2).replace("\n", "\n  ")
            text += f",\n  {json.dumps(key)}: {shown}"
        self.progress.write(text + "\n}\n")


def run_cache(args: argparse.Namespace, settings: Settings) -> int:
    import sqlite3

    from buildtui.registry.blobcache import (
        BlobCache,
        damaged,
        default_path,
        problem_text,
        replace_damaged,
    )

    path = default_path()
    replaced = None
    try:
        cache = BlobCache(path)
    except (OSError, sqlite3.Error) as error:
        if not (args.clear and damaged(error)):
            print(f"buildtui: {problem_text(path, error)}", file=sys.stderr)
            return 1
        try:
            cache = replace_damaged(path)
        except (OSError, sqlite3.Error) as failure:
            print(f"buildtui: {problem_text(path, failure)}", file=sys.stderr)
            return 1
        replaced = str(error)
    try:
        dropped = None
        if args.clear and replaced is None:
            try:
                dropped = cache.clear()
            except sqlite3.Error as error:
                if damaged(error):
                    cache.close()
                    cache = replace_damaged(path)
                    replaced, dropped = str(error), None
                else:
                    message = (
                        _(
                            "buildtui: the disk cache was not cleared: {text}. Then run "
                            "`buildtui registry cache --clear` again."
                        )
                        if "locked" in str(error)
                        else _("buildtui: the disk cache was not cleared: {text}.")
                    )
                    print(
                        message.format(text=problem_text(path, error)),
                        file=sys.stderr,
                    )
                    return 1
        usage = cache.usage()
    finally:
        cache.close()
    if args.json:
        body: dict[str, Any] = {
            "path": str(usage.path),
            "entries": usage.entries,
            "bytes": usage.bytes,
            "file_bytes": usage.file_bytes,
            "cap": usage.cap,
        }
        if dropped is not None:
            body["cleared"] = dropped
        if replaced is not None:
            body["replaced_damaged"] = replaced
        print_json(body)
        return 0
    if replaced is not None:
        print(
            _("Replaced the damaged disk cache ({replaced}) with an empty one.").format(
                replaced=replaced
            )
        )
    if dropped is not None:
        print(
            ngettext("Cleared {count} entries.", "Cleared {count} entries.", dropped).format(
                count=dropped
            )
        )
    print(_("Disk cache of manifests and blobs read by digest: {path}").format(path=usage.path))
    print(
        _(
            "  {entries} entries, {size} of content, {size2} on disk (at most {value} "
            "MiB, the least recently used going first)"
        ).format(
            entries=usage.entries,
            size=format_size(usage.bytes),
            size2=format_size(usage.file_bytes),
            value=usage.cap // 2**20,
        )
    )
    if dropped is None and usage.entries:
        print(_("  Empty it: buildtui registry cache --clear"))
    return 0


TOP_ROWS = 40
"""Rows `registry space` prints without --all (--json has them all)."""


def run_space(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.cleanup.errors import BadInput, CleanupError
    from buildtui.cleanup.present_space import space_json, space_lines
    from buildtui.cleanup.service import CleanupService
    from buildtui.commands.cleanup import read_registry

    async def work(service: CleanupService) -> int:
        graph = await read_registry(service, args.json)  # how far, on a watched terminal
        index = service.space_index(graph)
        report = index.report()
        what_if = None
        if args.what_if:
            selections, rows = [], []
            for text in args.what_if:
                found = _what_if_selections(service, report, text)
                selections += found[0]
                rows += found[1]
            what_if = index.what_if(selections, rows)
        version = await service.registry_version()
        if args.json:
            print_json(space_json(report, what_if=what_if, version=version))
        else:
            limit = None if args.all else TOP_ROWS
            print("\n".join(space_lines(report, what_if=what_if, version=version, limit=limit)))
        return 0

    try:
        return run_then_close(CleanupService(settings), work)
    except CleanupError as error:
        print(f"buildtui: {error}", file=sys.stderr)
        return 2 if isinstance(error, BadInput) else 1


def _what_if_selections(
    service: CleanupService, report: SpaceReport, text: str
) -> tuple[list[Selection], list[SpaceRow]]:
    """A --what-if REF: a repository (`REPO/`) or a reference, with the report's row for it."""
    from buildtui.cleanup.errors import BadInput

    if text.endswith("/"):
        name = text.strip("/")
        row = report.row(f"{name} (repository)")
        if row is None:
            single = [r for r in report.rows if r.repository == name and r.kind != "repository"]
            if not single:
                raise BadInput(
                    _("repository {repository} is not in {registry}").format(
                        repository=name, registry=report.registry
                    )
                )
            return [s for r in single for s in r.selections], single
        return list(row.selections), [row]
    selection = service.parse(text)
    key = (
        f"{selection.repository}@{selection.digest}"
        if selection.digest
        else f"{selection.repository}:{selection.tag}"
    )
    row = report.row(key)
    return [selection], [row] if row is not None else []
