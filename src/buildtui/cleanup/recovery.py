"""What a collection left behind, in the engine's words, and what to do about it.

A journal is read here (`read_journal`): a valid one is returned; one that cannot be
used (damaged, cut short, not a journal) is moved aside to `NAME.journal.json.bad-TIME`
so that the next collection can run, and `Unreadable` says so; something else than a
regular file in its place (a FIFO, a directory, a symbolic link) is refused, left where
it is. What to do then depends on the registry's container, which the engine is asked
about (running, stopped, a collector still running, renamed, gone): `container_state`.

`collection_checks` is the doctor's (and so the app's start-up notice's) view of it all:
collections that run, were interrupted, or left a journal that could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from buildtui.cleanup.errors import CleanupError, UnusableFile
from buildtui.cleanup.journal import (
    JOURNAL_SUFFIX,
    ContainerKey,
    Damaged,
    Journal,
    collections_dir,
    move_aside,
    same_engine,
    when,
)
from buildtui.engine.status import Check
from buildtui.i18n import _
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.cleanup.docker_output import ContainerInfo
    from buildtui.cleanup.gc import ContainerControl


@dataclass(frozen=True)
class Unreadable:
    """A journal that could not be used: moved aside (`moved_to`), or refused in place."""

    path: Path
    reason: str
    moved_to: Path | None = None
    unusable: bool = False
    """Not a regular file: left where it is, to be removed by hand."""

    @property
    def key(self) -> ContainerKey | None:
        return ContainerKey.from_path(self.path)

    @property
    def legacy_name(self) -> str | None:
        """The container's name, for a journal of an older buildtui (keyed by name)."""
        if self.key is not None:
            return None
        return self.path.name.split(JOURNAL_SUFFIX)[0].split("@")[0] or None

    def what(self) -> str:
        """The first sentence: which file, what is wrong with it, where it went."""
        if self.unusable:
            return self.reason
        where = (
            _("it was moved aside to {moved_to}").format(moved_to=self.moved_to)
            if self.moved_to is not None
            else _("it could not be moved aside either: remove it (`rm {path}`)").format(
                path=self.path
            )
        )
        return _(
            "the journal of a garbage collection, {path}, could not be read ({reason}); {where}"
        ).format(path=self.path, reason=self.reason, where=where)


def read_journal(path: Path, *, settle: bool = True) -> Journal | Unreadable | None:
    """The journal at `path`, None if there is none, or Unreadable (moved aside when
    `settle`: the collections of that container can then run again)."""
    try:
        return Journal.load(path)
    except UnusableFile as error:
        return Unreadable(path, str(error), unusable=True)
    except Damaged as error:
        return Unreadable(path, str(error), move_aside(path) if settle else None)


def journals(*, settle: bool) -> list[Journal | Unreadable]:
    """Every collection's journal in the data dir (those of every container)."""
    found: list[Journal | Unreadable] = []
    for path in Journal.paths():
        journal = read_journal(path, settle=settle)
        if journal is not None:
            found.append(journal)
    return found


def moved_aside() -> list[Path]:
    """Journals moved aside earlier (kept until the user deletes them)."""
    try:
        return sorted(collections_dir().glob(f"*{JOURNAL_SUFFIX}.bad-*"))
    except OSError:
        return []


def interrupted_journals() -> list[Journal]:
    """Collections to resume: interrupted, or whose start failed (files only, no engine)."""
    found = []
    for journal in journals(settle=False):
        if isinstance(journal, Journal):
            try:
                if journal.needs_resume():
                    found.append(journal)
            except UnusableFile:
                continue  # its lock is not a file: the doctor says so
    return found


# -- the engine's view -------------------------------------------------------------------


@dataclass(frozen=True)
class ContainerState:
    """What the engine says about the container a journal names, in words."""

    text: str
    """A clause: `reg (container 2e88c85009a8) is running`."""
    info: ContainerInfo | None = None
    stopped: bool = False
    """Known to be stopped (or gone): the registry does not answer."""
    fix: str = ""

    @property
    def level(self) -> Literal["warn", "error"]:
        """For the doctor: an error while the registry is down."""
        return "error" if self.stopped else "warn"


def _registry_url(info: ContainerInfo, settings: Settings) -> str:
    ports = [host for cport, host in info.port_map if cport == "5000/tcp"] or list(info.host_ports)
    return f"http://localhost:{ports[0]}" if ports else settings.registry_url


def _cli(settings: Settings, info: ContainerInfo | None, *args: str) -> str:
    from buildtui.settings import cli_prefix

    if info is not None:
        settings = settings.with_overrides(
            {"registry_container": info.name, "registry_url": _registry_url(info, settings)}
        )
    return " ".join([cli_prefix(settings), *args])


def container_state(
    control: ContainerControl,
    settings: Settings,
    *,
    container_id: str | None = None,
    name: str | None = None,
    engine_id: str | None = None,
) -> ContainerState:
    """Ask the engine about the container (by ID, else by name): running or not, a
    collector still running, gone. Never raises: what could not be learned is said."""
    from buildtui.cleanup.errors import ContainerNotFound

    try:
        if engine_id and not same_engine(engine_id, control.engine_id()):
            return ContainerState(
                _(
                    "the journal belongs to another Docker engine (ID {engine_id}) "
                    "than the one buildtui reaches ({id}); `docker ps -a` on that "
                    "engine shows the registry's state"
                ).format(engine_id=engine_id, id=control.engine_id())
            )
        if container_id:
            info = control.find(container_id)
            label = f"container {container_id[:12]}"
        else:
            label = f"container {name}"
            try:
                info = control.named(name or "").inspect()
            except ContainerNotFound:
                info = None
    except CleanupError as error:
        return ContainerState(
            _(
                "the engine could not be asked about it ({error}); `docker ps -a` "
                "shows whether the registry runs"
            ).format(error=error)
        )
    if info is None:
        return ContainerState(
            _("{label} no longer exists on this engine, so there is no registry to start").format(
                label=label
            ),
            stopped=True,
        )
    docker = " ".join(control.docker)
    this = f"{info.name} ({label})" if container_id else info.name
    if info.running:
        verify = _cli(settings, info, "registry", "ls")
        return ContainerState(
            _(
                "{this} is running, the engine says; `{verify}` shows whether every tag is whole"
            ).format(this=this, verify=verify),
            info,
        )
    try:
        collectors = control.running_collectors(info.name)
    except CleanupError:
        collectors = []
    start = f"{docker} start {info.name}"
    if collectors:
        wait = f"{docker} wait {collectors[0][:12]}"
        return ContainerState(
            _(
                "{this} is stopped, the engine says, and a collector still runs for "
                "it: let it end (`{wait}`), then start the registry (`{start}`)"
            ).format(this=this, wait=wait, start=start),
            info,
            stopped=True,
            fix=f"{wait} && {start}",
        )
    verify = _cli(settings, info, "registry", "ls")
    return ContainerState(
        _(
            "{this} is stopped, the engine says: if the collection stopped it, start "
            "it (`{start}`), then `{verify}` shows whether every tag is whole"
        ).format(this=this, start=start, verify=verify),
        info,
        stopped=True,
        fix=start,
    )


def unreadable_state(
    found: Unreadable, control: ContainerControl, settings: Settings
) -> ContainerState:
    """The engine's view of the container an unreadable journal belonged to."""
    key = found.key
    if key is not None:
        return container_state(
            control, settings, container_id=key.container_id, engine_id=key.engine_id
        )
    name = found.legacy_name
    if name is None:
        return ContainerState(_("its file name does not say which registry it belonged to"))
    return container_state(control, settings, name=name)


def unreadable_message(found: Unreadable, state: ContainerState) -> str:
    if found.unusable:
        return found.what()
    return _("{what}. Now {text}").format(what=found.what(), text=state.text)


def reason_of(path: Path) -> str:
    """Why a journal moved aside could not be read (read again: it is not kept)."""
    try:
        Journal.load(path)
    except (Damaged, UnusableFile) as error:
        return str(error)
    except OSError as error:
        return error.strerror or str(error)
    return _("it reads well now")


def _moved_when(path: Path) -> str:
    stamp = path.name.rpartition(".bad-")[2][:16]
    try:
        return when(datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat())
    except ValueError:
        return stamp


ControlFor = Callable[[Settings], "ContainerControl"]
"""The registry container control for some settings (RegistryContainer; a fake in tests)."""


def _registry_container(settings: Settings) -> ContainerControl:
    from buildtui.cleanup.container import RegistryContainer

    return RegistryContainer(settings)


def collection_checks(
    settings: Settings | None = None, control_for: ControlFor = _registry_container
) -> list[Check]:
    """Doctor lines (and so the app's start-up notice): collections running, interrupted,
    or whose journal could not be read, each with what the engine says now."""
    settings = settings or Settings()
    control = control_for(settings)
    checks: list[Check] = []
    try:
        found = journals(settle=True)
    except OSError as error:
        return [
            Check(
                "gc",
                "warn",
                _("cannot read {dir}: {strerror}").format(
                    dir=collections_dir(), strerror=error.strerror
                ),
            )
        ]
    for journal in found:
        if isinstance(journal, Unreadable):
            if journal.unusable:
                checks.append(Check("gc", "error", journal.what(), f"rm -r {journal.path}"))
            elif journal.moved_to is None:  # else reported with the others moved aside
                state = unreadable_state(journal, control, settings)
                message = unreadable_message(journal, state)
                checks.append(Check("gc", state.level, message, state.fix))
            continue
        try:
            checks.extend(_journal_checks(journal, control_for))
        except UnusableFile as error:
            checks.append(Check("gc", "error", str(error)))
    for path in moved_aside():
        aside = Unreadable(path.with_name(path.name.rpartition(".bad-")[0]), reason_of(path), path)
        state = unreadable_state(aside, control, settings)
        detail = _(
            "a journal of a garbage collection that could not be read ({reason}) "
            "was moved aside to {path} on {when}. Now {text}"
        ).format(reason=aside.reason, path=path, when=_moved_when(path), text=state.text)
        fix = f"{state.fix} && rm {path}" if state.fix else f"rm {path}  (once read)"
        checks.append(Check("gc", state.level, detail, fix))
    return checks


def _journal_checks(journal: Journal, control_for: ControlFor) -> list[Check]:
    if journal.needs_resume():
        now_named, state = _now(journal, control_for(journal.settings))
        return [
            Check(
                "gc",
                "error",
                journal.interruption(now_named, state),
                journal.resume_command(now_named),
            )
        ]
    if journal.running():
        started = when(str(journal.data.get("started_at") or ""))
        return [
            Check(
                "gc",
                "warn",
                _(
                    "a garbage collection of {container} runs since {started} (pid "
                    "{value}, phase {phase_name}); the registry is back when it ends"
                ).format(
                    container=journal.container,
                    started=started,
                    value=journal.data.get("pid") or "?",
                    phase_name=journal.phase_name,
                ),
            )
        ]
    return []


def _now(journal: Journal, control: ContainerControl) -> tuple[str | None, str]:
    """The container's name now (if it was renamed) and, if it is gone, that."""
    if not journal.container_id:
        return None, ""
    try:
        recorded = str(journal.data.get("engine_id") or "")
        if recorded and not same_engine(recorded, control.engine_id()):
            return None, ""
        info = control.find(journal.container_id)
    except CleanupError:
        return None, ""
    if info is None:
        return None, (
            _("its container {value} no longer exists, so there is nothing to start").format(
                value=journal.container_id[:12]
            )
        )
    return (info.name if info.name != journal.container else None), ""
