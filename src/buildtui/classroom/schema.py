"""A submission read back, checked field by field: everything in it is a student's data.

Each part is refused with a sentence that says what is wrong and where
(`builds.json: builds[2].started is not a time`), never read in part: the manifest
(its size, media type, artifact type, layers, their names, media types and sizes
against their caps), then each JSON file. JSON is read strictly (no NaN or Infinity, no
nesting deeper than Python allows: `Malformed`); strings are kept as they are and made
screen text where they are shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from buildtui.classroom.bundle import (
    ARTIFACT_TYPE,
    BUILDS_FORMAT,
    CAPS,
    CREATED,
    DIGESTS_FORMAT,
    DOCKERFILE,
    EMPTY_CONFIG,
    MANIFEST_CAP,
    MAX_DOCKERFILES,
    PREVIOUS,
    PROGRESS,
    REQUIRED,
    STUDENT,
    SUMMARY_FORMAT,
    TITLE,
    TOTAL_CAP,
    Earlier,
    over_cap,
)
from buildtui.classroom.names import NAME_MAX
from buildtui.i18n import _
from buildtui.l10n import count
from buildtui.lab_records import LabRecords, records_from_document
from buildtui.registry.client import compute_digest
from buildtui.registry.models import OCI_EMPTY, OCI_MANIFEST
from buildtui.registry.reference import digest_problem, host_problem, repository_problem

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A file name a submission may give (saved by `class get` under it)."""
TEXT_MAX = 64 * 1024
"""Characters of one string at most (a command line, an evidence line)."""
MAX_ITEMS = 20
MAX_BUILDS = 1000
MAX_DIGESTS = 5000
MAX_LAYERS = len(REQUIRED) + MAX_DOCKERFILES
STATUSES = ("done", "accepted", "todo", "attention")

T = TypeVar("T")


class Malformed(ValueError):
    """A submission (or one of its files) that cannot be used: the message says why."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def strict_json(data: bytes, what: str) -> Any:
    """`data` as JSON (UTF-8), or Malformed saying why not."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise Malformed(_("{what} is not UTF-8 text").format(what=what)) from None
    except RecursionError:
        raise Malformed(_("{what} is nested too deeply to be read").format(what=what)) from None
    except ValueError as error:
        raise Malformed(
            _("{what} is not valid JSON ({value})").format(what=what, value=str(error)[:120])
        ) from None


# -- typed reads ---------------------------------------------------------------------


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(_("{path} is not an object").format(path=path))
    return value


def text(data: Mapping[str, Any], key: str, path: str, *, limit: int = TEXT_MAX) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise Malformed(_("{path}.{key} is missing or not a string").format(path=path, key=key))
    if len(value) > limit:
        raise Malformed(
            _("{path}.{key} has {count} characters, above {limit}").format(
                path=path, key=key, count=count(len(value)), limit=count(limit)
            )
        )
    return value


def optional_text(data: Mapping[str, Any], key: str, path: str) -> str | None:
    return None if data.get(key) is None else text(data, key, path)


def integer(data: Mapping[str, Any], key: str, path: str, *, low: int = 0) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value < 2**53:
        raise Malformed(
            _("{path}.{key} is missing or not a whole number from {low}").format(
                path=path, key=key, low=low
            )
        )
    return value


def optional_integer(data: Mapping[str, Any], key: str, path: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**31:
        raise Malformed(_("{path}.{key} is not a whole number").format(path=path, key=key))
    return value


def items_of(
    data: Mapping[str, Any], key: str, path: str, limit: int, read: Callable[[Any, str], T]
) -> tuple[T, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise Malformed(_("{path}.{key} is not a list").format(path=path, key=key))
    if len(value) > limit:
        raise Malformed(
            _("{path}.{key} has {count} entries, above {limit}").format(
                path=path, key=key, count=count(len(value)), limit=count(limit)
            )
        )
    return tuple(read(one, f"{path}.{key}[{n}]") for n, one in enumerate(value))


def a_string(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value) > TEXT_MAX:
        raise Malformed(_("{path} is not a string").format(path=path))
    return value


def an_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise Malformed(_("{path} is not a whole number").format(path=path))
    return value


def a_digest(value: Any, path: str) -> str:
    if not isinstance(value, str) or digest_problem(value) is not None:
        raise Malformed(_("{path} is not a digest (sha256: and 64 hex digits)").format(path=path))
    return value


def a_time(value: Any, path: str) -> float:
    """An ISO 8601 time with its zone (a time without one is refused: it cannot be
    compared with the others)."""
    if not isinstance(value, str) or len(value) > 40:
        raise Malformed(_("{path} is not a time").format(path=path))
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("no time zone")
        return moment.timestamp()
    except (ValueError, OverflowError, OSError):
        raise Malformed(
            _("{path} is not a time in ISO 8601 with its zone").format(path=path)
        ) from None


def optional_time(data: Mapping[str, Any], key: str, path: str) -> float | None:
    return None if data.get(key) is None else a_time(data[key], f"{path}.{key}")


def a_ref(value: Any, path: str) -> tuple[str, str]:
    """{"ref": …, "digest": …}"""
    entry = obj(value, path)
    return text(entry, "ref", path, limit=512), a_digest(entry.get("digest"), f"{path}.digest")


# -- the manifest --------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    name: str
    media_type: str
    digest: str
    size: int


@dataclass(frozen=True)
class SubmissionManifest:
    digest: str
    student: str
    created: float | None
    progress: str | None
    previous: str | None
    layers: tuple[Layer, ...]

    def layer(self, media_type: str) -> Layer:
        return next(layer for layer in self.layers if layer.media_type == media_type)

    @property
    def dockerfiles(self) -> tuple[Layer, ...]:
        return tuple(layer for layer in self.layers if layer.media_type == DOCKERFILE)

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)


def read_manifest(raw: bytes, digest: str) -> SubmissionManifest:
    """The manifest of a submission, every field and cap checked (Malformed if not)."""
    if len(raw) > MANIFEST_CAP:
        raise Malformed(over_cap(_("its manifest"), len(raw), MANIFEST_CAP))
    document = obj(strict_json(raw, "its manifest"), "the manifest")
    if document.get("mediaType") != OCI_MANIFEST or document.get("schemaVersion") != 2:
        raise Malformed(_("it is not an OCI image manifest (schemaVersion 2)"))
    kind = document.get("artifactType")
    if kind != ARTIFACT_TYPE:
        shown = repr(kind)[:80] if isinstance(kind, str) else "none"
        raise Malformed(
            _("it is not a lab submission (its artifactType is {shown})").format(shown=shown)
        )
    config = obj(document.get("config"), "the manifest's config")
    if (
        config.get("mediaType") != OCI_EMPTY
        or config.get("digest") != compute_digest(EMPTY_CONFIG)
        or config.get("size") != len(EMPTY_CONFIG)
    ):
        raise Malformed(_("its config is not the empty descriptor a submission has"))
    layers = items_of(document, "layers", "the manifest", MAX_LAYERS, _layer)
    _check_layers(layers)
    annotations = obj(document.get("annotations", {}), "the manifest's annotations")
    student = text(annotations, STUDENT, "the annotations", limit=NAME_MAX)
    created = optional_time(annotations, CREATED, "the annotations")
    progress = optional_text(annotations, PROGRESS, "the annotations")
    previous = annotations.get(PREVIOUS)
    if previous is not None:
        previous = a_digest(previous, f"the annotation {PREVIOUS}")
    return SubmissionManifest(digest, student, created, progress, previous, layers)


def _layer(value: Any, path: str) -> Layer:
    entry = obj(value, path)
    media_type = text(entry, "mediaType", path, limit=200)
    digest = a_digest(entry.get("digest"), f"{path}.digest")
    size = integer(entry, "size", path)
    annotations = obj(entry.get("annotations"), f"{path}.annotations")
    name = text(annotations, TITLE, f"{path}.annotations", limit=100)
    if not SAFE_NAME.fullmatch(name):
        raise Malformed(
            _("{path} is named {name!r}, which is not a plain file name").format(
                path=path, name=name
            )
        )
    cap = CAPS.get(media_type)
    if cap is None:
        raise Malformed(
            _("{path} ({name}) has the media type {media_type!r}, unknown here").format(
                path=path, name=name, media_type=media_type
            )
        )
    if size > cap:
        raise Malformed(over_cap(_("its {file_name}").format(file_name=name), size, cap))
    return Layer(name, media_type, digest, size)


def _check_layers(layers: Sequence[Layer]) -> None:
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise Malformed(_("two of its files have the same name"))
    for media_type, name in REQUIRED.items():
        found = [layer for layer in layers if layer.media_type == media_type]
        if len(found) != 1 or found[0].name != name:
            raise Malformed(_("it does not hold exactly one {name}").format(name=name))
    total = sum(layer.size for layer in layers)
    if total > TOTAL_CAP:
        raise Malformed(over_cap(_("the whole submission"), total, TOTAL_CAP))


# -- submission.json -----------------------------------------------------------------


@dataclass(frozen=True)
class ItemState:
    number: int
    key: str
    status: str
    proven_at: float | None
    builds: tuple[int, ...]
    records: tuple[str, ...]
    digests: tuple[tuple[str, str], ...]

    @property
    def ticked(self) -> bool:
        return self.status in ("done", "accepted")


@dataclass(frozen=True)
class Summary:
    student: str
    tag: str
    created: float
    buildtui: str
    language: str
    lab_host: str
    lab_url: str
    done: int
    total: int
    items: tuple[ItemState, ...]
    earlier: tuple[Earlier, ...]

    @property
    def not_done(self) -> tuple[ItemState, ...]:
        return tuple(item for item in self.items if not item.ticked)


def read_summary(data: bytes) -> Summary:
    where = "submission.json"
    document = obj(strict_json(data, where), where)
    _format(document, SUMMARY_FORMAT, where)
    lab = obj(document.get("lab_registry"), f"{where}.lab_registry")
    host = text(lab, "host", f"{where}.lab_registry", limit=300)
    if host_problem(host) is not None:
        raise Malformed(_("{where}.lab_registry.host is not a host[:port]").format(where=where))
    progress = obj(document.get("progress"), f"{where}.progress")
    items = items_of(document, "items", where, MAX_ITEMS, _item)
    done, total = integer(progress, "done", where), integer(progress, "total", where)
    if total != len(items) or done != sum(1 for item in items if item.ticked):
        raise Malformed(
            _("{where}.progress says {done}/{total}, which its items do not add up to").format(
                where=where, done=done, total=total
            )
        )
    return Summary(
        student=text(document, "student", where, limit=NAME_MAX),
        tag=text(document, "tag", where, limit=128),
        created=a_time(document.get("created"), f"{where}.created"),
        buildtui=text(document, "buildtui", where, limit=40),
        language=text(document, "language", where, limit=10),
        lab_host=host,
        lab_url=text(lab, "url", f"{where}.lab_registry", limit=320),
        done=done,
        total=total,
        items=items,
        earlier=items_of(document, "earlier", where, 100, _earlier),
    )


def _format(document: Mapping[str, Any], name: str, where: str) -> None:
    if document.get("format") != name or document.get("version") != 1:
        raise Malformed(
            _("{where} is not a {name} document of version 1").format(where=where, name=name)
        )


def _item(value: Any, path: str) -> ItemState:
    entry = obj(value, path)
    status = text(entry, "status", path, limit=20)
    if status not in STATUSES:
        raise Malformed(
            _("{path}.status is {status!r}, not one of {items}").format(
                path=path, status=status[:20], items=", ".join(STATUSES)
            )
        )
    return ItemState(
        number=integer(entry, "number", path, low=1),
        key=text(entry, "key", path, limit=40),
        status=status,
        proven_at=optional_time(entry, "proven_at", path),
        builds=items_of(entry, "builds", path, MAX_BUILDS, an_int),
        records=items_of(entry, "records", path, 200, a_string),
        digests=items_of(entry, "digests", path, 200, a_ref),
    )


def _earlier(value: Any, path: str) -> Earlier:
    entry = obj(value, path)
    return Earlier(
        digest=a_digest(entry.get("digest"), f"{path}.digest"),
        created=a_time(entry.get("created"), f"{path}.created"),
        progress=text(entry, "progress", path, limit=20) if "progress" in entry else "",
    )


# -- builds.json ---------------------------------------------------------------------


@dataclass(frozen=True)
class BuildFacts:
    id: int
    started: float
    started_text: str
    """As written in the submission (what two copies share exactly)."""
    command: str
    exit_code: int | None
    pushed: tuple[tuple[str, str], ...]
    cached: int
    total: int
    imported: str | None = None
    """Where it was imported from (`buildtui history import`), None: built there."""

    @property
    def fingerprint(self) -> tuple[str, tuple[str, ...]] | tuple[str, int]:
        """What makes this build this student's: its start and the digests it pushed (or
        its id, when it pushed nothing). Two students' submissions that share one copied
        it, a whole data dir or a build exported and imported (which gets a new id)."""
        pushed = tuple(sorted(d for _ref, d in self.pushed))
        return (self.started_text, pushed) if pushed else (self.started_text, self.id)


def read_builds(data: bytes) -> tuple[BuildFacts, ...]:
    where = "builds.json"
    document = obj(strict_json(data, where), where)
    _format(document, BUILDS_FORMAT, where)
    builds = items_of(document, "builds", where, MAX_BUILDS, _build)
    ids = [b.id for b in builds]
    if len(set(ids)) != len(ids):
        raise Malformed(_("{where} lists one build id twice").format(where=where))
    return builds


def _build(value: Any, path: str) -> BuildFacts:
    entry = obj(value, path)
    started_text = text(entry, "started", path, limit=40)
    summary = obj(entry.get("summary"), f"{path}.summary")
    return BuildFacts(
        id=integer(entry, "id", path, low=1),
        started=a_time(started_text, f"{path}.started"),
        started_text=started_text,
        command=text(entry, "command", path),
        exit_code=optional_integer(entry, "exit_code", path),
        pushed=items_of(summary, "pushed", f"{path}.summary", 200, a_ref),
        cached=integer(summary, "cached", f"{path}.summary"),
        total=integer(summary, "total", f"{path}.summary"),
        imported=optional_text(entry, "imported", path),
    )


# -- digests.json --------------------------------------------------------------------


@dataclass(frozen=True)
class CitedDigest:
    registry: str
    repository: str
    digest: str
    blob: bool
    cited_by: tuple[str, ...]
    deleted_by: str | None
    """The deletion record that removed it (it is gone as the lab's bonus asks)."""


def read_digests(data: bytes) -> tuple[CitedDigest, ...]:
    where = "digests.json"
    document = obj(strict_json(data, where), where)
    _format(document, DIGESTS_FORMAT, where)
    return items_of(document, "digests", where, MAX_DIGESTS, _cited)


def _cited(value: Any, path: str) -> CitedDigest:
    entry = obj(value, path)
    registry = text(entry, "registry", path, limit=300)
    if host_problem(registry) is not None:
        raise Malformed(_("{path}.registry is not a host[:port]").format(path=path))
    repository = text(entry, "repository", path, limit=300)
    if repository_problem(repository, registry) is not None:
        raise Malformed(_("{path}.repository is not a repository name").format(path=path))
    kind = text(entry, "kind", path, limit=20)
    if kind not in ("manifest", "blob"):
        raise Malformed(_("{path}.kind is neither manifest nor blob").format(path=path))
    return CitedDigest(
        registry=registry,
        repository=repository,
        digest=a_digest(entry.get("digest"), f"{path}.digest"),
        blob=kind == "blob",
        cited_by=items_of(entry, "cited_by", path, 100, a_string),
        deleted_by=optional_text(entry, "deleted_by", path),
    )


# -- lab-records.json ----------------------------------------------------------------


def read_records(data: bytes) -> LabRecords:
    where = "lab-records.json"
    document = obj(strict_json(data, where), where)
    if document.get("version") != 2:
        raise Malformed(
            _("{where} is not a document of lab records of version 2").format(where=where)
        )
    try:
        return records_from_document(document)
    except ValueError as error:
        raise Malformed(f"{where}: {error}") from None
