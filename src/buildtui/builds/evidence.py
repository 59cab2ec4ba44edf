"""What a build started from, kept with it so a later cache miss can be explained.

Recorded before the build starts: the Dockerfile's text, a content hash of every
file of the build context that `.dockerignore` lets through (bounded in files,
bytes and time: past a bound the list is skipped and `context_note` says why),
the build arguments (a keyed hash of each value, never the value), and the cache
flags (`--no-cache`, `--no-cache-filter`, `--cache-from`), platforms and builder.
The base images' digests come from the log (`FROM image@sha256:...` steps).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from buildtui.builds.command import BuildCommand, parse_command
from buildtui.builds.deadline import Deadline, DeadlineExceeded
from buildtui.builds.dockerignore import IgnoreRules, ParentMatches
from buildtui.builds.go_glob import PatternError, UnsupportedPattern
from buildtui.i18n import _
from buildtui.l10n import count
from buildtui.private_files import private_dir
from buildtui.settings import data_dir as default_data_dir

MAX_FILES = 20_000
MAX_BYTES = 256 * 1024 * 1024
MAX_SECONDS = 3.0
MAX_DOCKERFILE = 1024 * 1024
MAX_IGNORE_FILE = 16 * 1024 * 1024
HASH_CHARS = 16
"""Hex characters kept of each file's SHA-256 (64 bits: enough to see a change)."""


@dataclass(frozen=True, slots=True)
class BuildEvidence:
    context: str | None
    """The build context's absolute path (None: a URL, `-` or none)."""
    dockerfile: str | None
    """The Dockerfile's absolute path."""
    dockerfile_text: str | None
    context_hashes: dict[str, str] | None
    """Context path -> first characters of its SHA-256; None when skipped."""
    context_note: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    """Build argument name -> keyed hash of its value."""
    no_cache: bool = False
    no_cache_filter: tuple[str, ...] = ()
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    builder: str | None = None
    target: str | None = None
    """`--target`: the stage built (None: the last)."""

    @property
    def project(self) -> tuple[str | None, str | None]:
        """Builds of the same Dockerfile in the same context compare with each other."""
        return (self.context, self.dockerfile)

    def to_blob(self) -> bytes:
        return zlib.compress(json.dumps(asdict(self), separators=(",", ":")).encode(), 6)

    @classmethod
    def from_blob(cls, blob: bytes) -> BuildEvidence:
        data: dict[str, Any] = json.loads(zlib.decompress(blob))
        return cls(
            context=data.get("context"),
            dockerfile=data.get("dockerfile"),
            dockerfile_text=data.get("dockerfile_text"),
            context_hashes=data.get("context_hashes"),
            context_note=data.get("context_note"),
            build_args=dict(data.get("build_args") or {}),
            no_cache=bool(data.get("no_cache")),
            no_cache_filter=tuple(data.get("no_cache_filter") or ()),
            cache_from=tuple(data.get("cache_from") or ()),
            cache_to=tuple(data.get("cache_to") or ()),
            platforms=tuple(data.get("platforms") or ()),
            builder=data.get("builder"),
            target=data.get("target"),
        )


def _key(data_dir: Path | None) -> bytes:
    """The machine's key for hashing build-argument values (made once, owner-only; a
    link in its place is removed, never read)."""
    if data_dir is None:
        return b"buildtui"
    path = data_dir / "evidence.key"
    for _unused in range(2):
        existing = _read_key(path)
        if existing:
            return existing
        key = secrets.token_bytes(32)
        try:
            private_dir(data_dir)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
            return key
        except FileExistsError:
            continue  # another buildtui made it meanwhile: read it
        except OSError:
            break
    return b"buildtui"


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:
            with contextlib.suppress(OSError):
                os.unlink(path)  # the link, not its target
        return None
    try:
        return os.read(fd, 64) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    finally:
        os.close(fd)


def value_hash(value: str, key: bytes) -> str:
    return hashlib.blake2b(value.encode(), key=key[:64], digest_size=8).hexdigest()


def collect(
    argv: list[str] | tuple[str, ...],
    *,
    cwd: Path | None = None,
    data_dir: Path | None = None,
    environ: dict[str, str] | None = None,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
) -> BuildEvidence:
    """The evidence of a build about to run `argv` (a full `docker buildx build` line)."""
    cwd = Path.cwd() if cwd is None else cwd
    environ = dict(os.environ) if environ is None else environ
    command = parse_command(argv)
    context, dockerfile, note = _project(command, cwd)
    dockerfile_text = _read_dockerfile(dockerfile)
    hashes: dict[str, str] | None = None
    if context is not None:
        hashes, note = hash_context(
            context,
            dockerfile=dockerfile,
            max_files=max_files,
            max_bytes=max_bytes,
            max_seconds=max_seconds,
        )
    key = _key(data_dir)
    build_args: dict[str, str] = {}
    for name, value in command.build_args:
        build_args[name] = value_hash(environ.get(name, "") if value is None else value, key)
    return BuildEvidence(
        context=str(context) if context is not None else None,
        dockerfile=str(dockerfile) if dockerfile is not None else None,
        dockerfile_text=dockerfile_text,
        context_hashes=hashes,
        context_note=note,
        build_args=build_args,
        no_cache=command.no_cache,
        no_cache_filter=tuple(command.no_cache_filter),
        cache_from=tuple(command.values("--cache-from")),
        cache_to=tuple(command.values("--cache-to")),
        platforms=tuple(command.platforms),
        builder=command.builder,
        target=command.target,
    )


def _project(command: BuildCommand, cwd: Path) -> tuple[Path | None, Path | None, str | None]:
    """(context folder, Dockerfile, why the context is not hashed) of a command."""
    context_arg = command.context
    context: Path | None = None
    note: str | None = None
    if context_arg is None:
        note = _("no build context given")
    elif context_arg == "-" or "://" in context_arg or context_arg.startswith("git@"):
        note = _(
            "the build context {context_arg} is not a local folder: its files are not hashed"
        ).format(context_arg=context_arg)
    else:
        context = (cwd / context_arg).resolve()
    file = command.file
    dockerfile: Path | None = None
    if file == "-":
        dockerfile = None  # read from standard input: not recorded
    elif file:
        dockerfile = (cwd / file).resolve()
    elif context is not None:
        dockerfile = context / "Dockerfile"
    return context, dockerfile, note


def project_of(
    argv: list[str] | tuple[str, ...], cwd: Path | None = None
) -> tuple[str | None, str | None]:
    """`BuildEvidence.project` of a command, without reading anything."""
    context, dockerfile, _unused = _project(parse_command(argv), Path.cwd() if cwd is None else cwd)
    return (
        str(context) if context is not None else None,
        str(dockerfile) if dockerfile is not None else None,
    )


def _read_dockerfile(path: Path | None) -> str | None:
    if path is None:
        return None
    data = read_regular(path, MAX_DOCKERFILE)
    return None if data is None else data.decode("utf-8", "replace")


def read_regular(path: Path, limit: int) -> bytes | None:
    """The first `limit` bytes of a regular file; None for anything else (missing, a
    folder, a FIFO that would block forever, unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def ignore_file(context: Path, dockerfile: Path | None) -> Path:
    """Which ignore file BuildKit reads: `<Dockerfile>.dockerignore` beside the
    Dockerfile when there is one, else the context's `.dockerignore`."""
    if dockerfile is not None:
        own = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if own.is_file():
            return own
    return context / ".dockerignore"


def hash_context(
    context: Path,
    *,
    dockerfile: Path | None = None,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
) -> tuple[dict[str, str] | None, str | None]:
    """(path -> hash of every file `.dockerignore` lets through, None) or (None, why not).

    The files are the ones BuildKit sends (dockerignore.py); the time bound holds inside
    each pattern match too, so no pattern and no name can make this run longer.
    """
    deadline = Deadline(max_seconds)
    path = ignore_file(context, dockerfile)
    data = read_regular(path, MAX_IGNORE_FILE + 1)
    if data is not None and len(data) > MAX_IGNORE_FILE:
        return None, (
            _(
                "context hashes skipped: {name} is over {value} MiB; COPY/ADD misses "
                "cannot name files"
            ).format(name=path.name, value=MAX_IGNORE_FILE // 1024 // 1024)
        )
    try:
        rules = IgnoreRules.from_text((data or b"").decode("utf-8", "replace"))
        return _hash_files(context, rules, deadline, max_files, max_bytes), None
    except DeadlineExceeded:
        return None, (
            _(
                "context hashes skipped: hashing took over {max_seconds} s (a large "
                "build context); COPY/ADD misses cannot name files"
            ).format(max_seconds=f"{max_seconds:g}")
        )
    except UnsupportedPattern as error:
        return None, (
            _(
                "context hashes skipped: {error} (docker matches it; buildtui does not "
                "match such patterns); COPY/ADD misses cannot name files"
            ).format(error=error)
        )
    except PatternError as error:
        return None, (
            _(
                "context hashes skipped: {error}; docker stops the build on it too; "
                "COPY/ADD misses cannot name files"
            ).format(error=error)
        )
    except _TooLarge:
        return None, (
            _(
                "context hashes skipped: the build context has over {max_files} "
                "files or {value} MiB; COPY/ADD misses cannot name files"
            ).format(max_files=count(max_files), value=max_bytes // (1024 * 1024))
        )
    except _Unreadable as error:
        return None, _("context hashes skipped: cannot read {error}").format(error=error)


class _TooLarge(Exception):
    pass


class _Unreadable(Exception):
    pass


def _hash_files(
    context: Path, rules: IgnoreRules, deadline: Deadline, max_files: int, max_bytes: int
) -> dict[str, str]:
    """Walk the context as fsutil does: a folder's pattern matches are passed to its
    entries, an excluded folder is skipped unless an exception may reach inside."""
    hashes: dict[str, str] = {}
    total = 0
    matching = bool(rules.patterns)
    pending: list[tuple[str, Path, ParentMatches]] = [("", context, None)]
    while pending:
        prefix, folder, parent = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            raise _Unreadable(f"{folder}: {error.strerror}") from None
        for entry in entries:
            deadline.check()
            rel = f"{prefix}{entry.name}"
            excluded, matches = rules.match(rel, parent, deadline) if matching else (False, None)
            try:
                if entry.is_symlink():
                    if not excluded:
                        target = os.readlink(entry.path)
                        hashes[rel] = "->" + hashlib.sha256(target.encode()).hexdigest()[:14]
                    continue
                if entry.is_dir():
                    if not (excluded and rules.skips(rel)):
                        pending.append((rel + "/", Path(entry.path), matches))
                    continue
                if not entry.is_file() or excluded:
                    continue
                total += entry.stat().st_size
                if len(hashes) >= max_files or total > max_bytes:
                    raise _TooLarge
                hashes[rel] = _file_hash(entry.path, deadline)
            except OSError:
                continue
    return hashes


def _file_hash(path: str, deadline: Deadline) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            deadline.check()
    return digest.hexdigest()[:HASH_CHARS]


def changed_files(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    """(path, "changed" | "added" | "removed"), sorted by path."""
    out = [(p, "changed") for p in new if p in old and old[p] != new[p]]
    out += [(p, "added") for p in new if p not in old]
    out += [(p, "removed") for p in old if p not in new]
    return sorted(out)


EvidenceCollector = Callable[[Sequence[str]], BuildEvidence]
"""Blocking call recording what a build starts from (run just before it starts)."""


def collect_evidence(argv: Sequence[str]) -> BuildEvidence:
    """What the build of `argv` starts from, hashed with this machine's key: the
    Dockerfile, context hashes and build arguments (the pane's and `buildtui build`'s)."""
    return collect(list(argv), data_dir=default_data_dir())
