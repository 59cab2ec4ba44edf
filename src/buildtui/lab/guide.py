"""Laboratory 7's nine items, each decided from what the app observed.

`evaluate` is pure: it reads the builders list, the engine's status, the build history
(each build's argv and parsed summary), the lab registry's contents and the clean-up
records, and says for each item whether it is done, with its evidence, the commands
that do it and the pane (and form preset) that does it in the app. Nothing here is
ticked because a user said so. `observe.py` gathers the observations.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from buildtui.build.history import BuildEntry
from buildtui.buildx.models import BuilderList
from buildtui.engine.status import EngineStatus
from buildtui.lab.records import CacheSizeRecord, LabRecords
from buildtui.registry.models import Kind
from buildtui.registry.present import format_size, short_digest
from buildtui.registry.scan import ImageReport, RegistryScan

Translate = Callable[[str], str]

LAB_PLATFORMS = ("linux/amd64", "linux/arm64")
EXPORTERS = ("docker", "oci", "tar", "local")
BUILDKIT_IMAGE = "moby/buildkit:buildx-stable-1"


def _identity(text: str) -> str:
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


@dataclass(frozen=True)
class Item:
    number: int
    key: str
    title: str
    status: Status
    evidence: tuple[str, ...]
    commands: tuple[str, ...]
    pane: str
    """The pane Enter shows: builders, build, registry or cleanup."""
    preset: str | None = None
    """What that pane is filled in with: `lab` (the Build form), `create`, `prune`."""
    note: str | None = None
    """Why it is not done, or what to watch out for."""
    build_ids: tuple[int, ...] = ()
    """The builds its evidence comes from (the report shows their commands and logs)."""


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


def short_title(key: str, _: Translate = _identity) -> str:
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


# -- reading a build's command ------------------------------------------------------------


def flag_values(argv: Sequence[str], *names: str) -> list[str]:
    """Every value of the given flags, as `--flag value` or `--flag=value`."""
    values = []
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                values.append(argv[i + 1])
            elif name.startswith("--") and arg.startswith(name + "="):
                values.append(arg[len(name) + 1 :])
    return values


def csv_fields(value: str) -> dict[str, str]:
    """`type=registry,ref=host/x,mode=max` as a dict (a bare word is the type)."""
    fields: dict[str, str] = {}
    for part in value.split(","):
        key, sep, val = part.partition("=")
        if sep:
            fields[key.strip()] = val.strip()
        elif part.strip():
            fields["type"] = part.strip()
    return fields


def registry_caches(argv: Sequence[str], flag: str, host: str) -> list[dict[str, str]]:
    """The `--cache-to`/`--cache-from` registry caches of `argv` on the registry `host`."""
    caches = []
    for value in flag_values(argv, flag):
        fields = csv_fields(value)
        if fields.get("type") == "registry" and fields.get("ref", "").startswith(host + "/"):
            caches.append(fields)
    return caches


def exports_of(argv: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(exporter, destination, is an image in the engine) of each export with another
    exporter than the registry: `--load` (docker, into the image store), `-o type=...`."""
    found = []
    tags = flag_values(argv, "-t", "--tag")
    if "--load" in argv:
        found.append(("docker", tags[0] if tags else "", True))
    for value in flag_values(argv, "-o", "--output"):
        fields = csv_fields(value) if "=" in value else {"type": "local", "dest": value}
        kind = fields.get("type", "")
        if kind not in EXPORTERS:
            continue
        if kind == "docker" and not fields.get("dest"):
            found.append(("docker", tags[0] if tags else "", True))
        else:
            found.append((kind, fields.get("dest", ""), False))
    return found


def platforms_of(argv: Sequence[str]) -> list[str]:
    return [p.strip() for v in flag_values(argv, "--platform") for p in v.split(",") if p.strip()]


# -- the items ------------------------------------------------------------------------------


def evaluate(obs: Observations, _: Translate = _identity) -> Guide:
    image = two_platform_image(obs)
    items = (
        _platforms(obs, _),
        _builder(obs, _),
        _registry(obs, _),
        _pushed(obs, image, _),
        _exported(obs, _),
        _cache_export(obs, _),
        _cache_import(obs, _),
        _cache_size(obs, image, _),
        _bonus(obs, image, _),
    )
    return Guide(items)


def _platforms(obs: Observations, _: Translate) -> Item:
    title = _("The engine builds for linux/amd64 and linux/arm64 (emulation present)")
    commands = ("docker buildx ls", "docker buildx inspect --bootstrap")
    candidates: list[tuple[str, tuple[str, ...]]] = []
    if obs.builders is not None:
        current = obs.builders.current
        for builder in sorted(obs.builders.builders, key=lambda b: b.name != current):
            for node in builder.nodes:
                candidates.append((builder.name, node.platform_names))
    elif obs.engine is not None and obs.engine.builder:
        candidates.append((obs.engine.builder, obs.engine.platforms))
    for name, platforms in candidates:
        if all(p in platforms for p in LAB_PLATFORMS):
            return Item(
                1,
                "platforms",
                title,
                Status.DONE,
                (
                    _("Builder {name}: {platforms}").format(
                        name=name, platforms=", ".join(platforms)
                    ),
                ),
                commands,
                "builders",
            )
    note = _(
        "No builder lists both linux/amd64 and linux/arm64: install QEMU emulation "
        "(docker run --privileged --rm tonistiigi/binfmt --install arm64) and look again."
    )
    if not candidates:
        note = _("The builders could not be listed: {error}").format(
            error=_("is the Docker engine running? `buildtui doctor` says what is missing")
        )
    return Item(1, "platforms", title, Status.TODO, (), commands, "builders", note=note)


def _builder(obs: Observations, _: Translate) -> Item:
    title = _("A docker-container builder exists and is in use")
    commands = ("docker buildx create --name lab7 --driver docker-container --use --bootstrap",)
    builders = obs.builders
    if builders is None:
        return Item(
            2,
            "builder",
            title,
            Status.TODO,
            (),
            commands,
            "builders",
            "create",
            note=_("The builders could not be listed."),
        )
    current = builders.get(builders.current) if builders.current else None
    containers = sorted(
        (b for b in builders.builders if b.driver == "docker-container"),
        key=lambda b: b.status != "running",
    )
    if current is not None and current.driver == "docker-container" and current.status == "running":
        return Item(
            2,
            "builder",
            title,
            Status.DONE,
            (
                _("Builder {name} (docker-container) is in use and running").format(
                    name=current.name
                ),
            ),
            commands,
            "builders",
        )
    store = obs.engine.image_store if obs.engine else None
    if (
        current is not None
        and current.driver == "docker"
        and store == "containerd"
        and obs.buildkit_image is False
        and not any(b.status == "running" for b in containers)
    ):
        return Item(
            2,
            "builder",
            title,
            Status.ACCEPTED,
            (
                _(
                    "Builder {name} (docker driver) is in use; the engine keeps images in the "
                    "containerd image store"
                ).format(name=current.name),
                _(
                    "The BuildKit image {image} is not in the engine: a docker-container "
                    "builder cannot start until it is pulled"
                ).format(image=BUILDKIT_IMAGE),
            ),
            commands,
            "builders",
            "create",
            note=_(
                "Accepted instead: the docker driver runs the BuildKit built into dockerd. "
                "With the containerd image store it builds multi-platform images and "
                "exports registry caches too; unlike a docker-container builder it shares "
                "its cache with the engine and cannot be given its own BuildKit version "
                "or configuration."
            ),
        )
    if containers:
        name = containers[0].name
        note = _("Builder {name} exists but is not in use: `docker buildx use {name}`.").format(
            name=name
        )
        if containers[0].status != "running":
            note = _("Builder {name} exists but is not running ({status}).").format(
                name=name, status=containers[0].status
            )
        return Item(
            2,
            "builder",
            title,
            Status.TODO,
            (),
            (f"docker buildx use {name}", *commands),
            "builders",
            note=note,
        )
    return Item(
        2,
        "builder",
        title,
        Status.TODO,
        (),
        commands,
        "builders",
        "create",
        note=_("No docker-container builder yet."),
    )


def _registry(obs: Observations, _: Translate) -> Item:
    title = _("{container} runs with deletion enabled").format(container=obs.registry_container)
    commands = (
        f"{obs.cli} lab up",
        f"curl -sI http://{obs.registry_host}/v2/",
    )
    engine = obs.engine
    if engine is not None and engine.registry_up and engine.registry_delete_enabled:
        return Item(
            3,
            "registry",
            title,
            Status.DONE,
            (
                _("{url} answers; REGISTRY_STORAGE_DELETE_ENABLED=true").format(
                    url=engine.registry_url
                ),
            ),
            commands,
            "registry",
        )
    if engine is not None and engine.registry_up:
        note = _("The registry answers, but deletion is not enabled in {container}.").format(
            container=obs.registry_container
        )
    else:
        note = _("The registry at {host} does not answer.").format(host=obs.registry_host)
    return Item(3, "registry", title, Status.TODO, (), commands, "registry", note=note)


def two_platform_image(obs: Observations) -> ImageReport | None:
    """The two-platform index a recorded build pushed (by digest, else by its tag)."""
    if obs.scan is None:
        return None
    pushed = {d for b in obs.builds for _ref, d in b.summary.pushed}
    tagged = {
        tag
        for b in obs.builds
        if b.summary.succeeded and b.summary.push == "ok"
        for tag in flag_values(b.argv, "-t", "--tag")
    }
    found = []
    for entry in obs.scan.entries():
        report = entry.report
        if report is None or report.kind is not Kind.INDEX:
            continue
        names = {str(p) for p in report.platforms}
        if all(p in names for p in LAB_PLATFORMS) and (
            report.digest in pushed or report.ref in tagged
        ):
            found.append(report)
    found.sort(key=lambda r: (r.digest not in pushed, r.ref))
    return found[0] if found else None


def _pushed(obs: Observations, image: ImageReport | None, _: Translate) -> Item:
    title = _("A two-platform image is pushed to {container} and its manifest lists both").format(
        container=obs.registry_container
    )
    ref = f"{obs.registry_host}/lab:cachetest"
    commands = (
        f"docker buildx build -f Dockerfile_multi -t {ref} "
        "--platform linux/amd64,linux/arm64 --push .",
        f"docker buildx imagetools inspect {ref}",
    )
    if image is None:
        note = _(
            "No index with linux/amd64 and linux/arm64 pushed by a recorded build is in "
            "the registry yet."
        )
        if obs.scan_error:
            note = _("The registry could not be read: {error}").format(error=obs.scan_error)
        return Item(4, "pushed", title, Status.TODO, (), commands, "build", "lab", note=note)
    builds = tuple(b.id for b in obs.builds if image.digest in {d for _r, d in b.summary.pushed})
    return Item(
        4,
        "pushed",
        title,
        Status.DONE,
        (
            f"{image.ref}",
            _("Index digest {digest}").format(digest=image.digest),
            _("Platforms: {platforms}").format(platforms=image.badge),
        ),
        (commands[0], f"docker buildx imagetools inspect {image.ref}"),
        "build",
        "lab",
        build_ids=builds[-1:],
    )


def _exported(obs: Observations, _: Translate) -> Item:
    title = _("An image is exported with another exporter and found where it should be")
    commands = (
        "docker buildx build --platform linux/amd64,linux/arm64 "
        "-o type=oci,dest=lab-oci.tar -f Dockerfile_multi .",
        "docker buildx build --load -t lab:local -f Dockerfile_multi .",
    )
    found = [e for e in obs.exports if e.found]
    if found:
        last = found[-1]
        return Item(
            5,
            "exported",
            title,
            Status.DONE,
            (
                _("Build {id}: type={exporter} → {target} (found)").format(
                    id=last.build_id, exporter=last.exporter, target=last.target or "-"
                ),
            ),
            commands,
            "build",
            build_ids=(last.build_id,),
        )
    missing = [e for e in obs.exports if not e.found]
    note = _("No build has exported with --load or type=docker, oci, tar or local yet.")
    if missing:
        last = missing[-1]
        note = _("Build {id} exported type={exporter} to {target}, but it is not there.").format(
            id=last.build_id, exporter=last.exporter, target=last.target or "-"
        )
    return Item(5, "exported", title, Status.TODO, (), commands, "build", note=note)


def _cache_exports(obs: Observations) -> list[tuple[BuildEntry, str]]:
    found = []
    for build in obs.builds:
        for cache in registry_caches(build.argv, "--cache-to", obs.registry_host):
            if (
                cache.get("mode") == "max"
                and build.summary.succeeded
                and build.summary.cache_export == "ok"
            ):
                found.append((build, cache["ref"]))
    return found


def _lab_build_command(obs: Observations) -> str:
    host = obs.registry_host
    return (
        f"docker buildx build -f Dockerfile_multi -t {host}/lab:cachetest "
        "--platform linux/amd64,linux/arm64 --push "
        f"--cache-to type=registry,ref={host}/cachedata1,mode=max "
        f"--cache-from type=registry,ref={host}/cachedata1 ."
    )


def _cache_export(obs: Observations, _: Translate) -> Item:
    title = _("A build exports a registry cache with mode=max to {container}").format(
        container=obs.registry_container
    )
    commands = (_lab_build_command(obs),)
    exports = _cache_exports(obs)
    if not exports:
        return Item(
            6,
            "cache-export",
            title,
            Status.TODO,
            (),
            commands,
            "build",
            "lab",
            note=_(
                "No successful build with --cache-to type=registry,…,mode=max on {host} yet."
            ).format(host=obs.registry_host),
        )
    build, ref = exports[-1]
    return Item(
        6,
        "cache-export",
        title,
        Status.DONE,
        (_("Build {id}: cache exported to {ref} (mode=max)").format(id=build.id, ref=ref),),
        commands,
        "build",
        "lab",
        build_ids=(build.id,),
    )


def local_cache_hits(build: BuildEntry) -> bool:
    """Steps CACHED while the cache import found nothing: the hits came from the builder's
    local cache, not from the registry cache."""
    summary = build.summary
    return summary.cached > 0 and summary.cache_import == "not-found"


def _cache_import(obs: Observations, _: Translate) -> Item:
    title = _(
        "The local cache is pruned, and a second build imports the registry cache: "
        "the import found it and every countable step is CACHED"
    )
    commands = ("docker buildx prune -af", _lab_build_command(obs))
    exports = _cache_exports(obs)
    latest = obs.builds[-1] if obs.builds else None
    if latest is not None and local_cache_hits(latest):
        return Item(
            7,
            "cache-import",
            title,
            Status.ATTENTION,
            (
                _("Build {id}: {cached}/{total} steps CACHED, cache import: not found").format(
                    id=latest.id, cached=latest.summary.cached, total=latest.summary.total
                ),
            ),
            commands,
            "builders",
            "prune",
            build_ids=(latest.id,),
            note=_(
                "The CACHED steps came from the builder's local cache: the registry cache "
                "was not found. Prune the builder's cache (`docker buildx prune`) and build "
                "again."
            ),
        )
    for export, ref in reversed(exports):
        for build in reversed(obs.builds):
            if build.started <= export.started or not build.summary.succeeded:
                continue
            froms = [
                c["ref"] for c in registry_caches(build.argv, "--cache-from", obs.registry_host)
            ]
            if ref not in froms or build.summary.cache_import != "found":
                continue
            summary = build.summary
            prunes = [p for p in obs.records.prunes if export.started < p.at < build.started]
            evidence = (
                _("Build {id}: cache import found {ref}").format(id=build.id, ref=ref),
                _("{cached}/{total} steps CACHED").format(
                    cached=summary.cached, total=summary.total
                ),
            )
            if summary.total == 0 or summary.cached < summary.total:
                continue
            if not prunes:
                return Item(
                    7,
                    "cache-import",
                    title,
                    Status.TODO,
                    evidence,
                    commands,
                    "builders",
                    "prune",
                    build_ids=(export.id, build.id),
                    note=_(
                        "No prune of the builder's cache was seen between build {old} and "
                        "build {new}: the hits may come from the local cache. Prune, then "
                        "build again."
                    ).format(old=export.id, new=build.id),
                )
            prune = prunes[-1]
            return Item(
                7,
                "cache-import",
                title,
                Status.DONE,
                (
                    _("Builder cache pruned: {records} records, {size}").format(
                        records=prune.records, size=format_size(prune.reclaimed)
                    ),
                    *evidence,
                ),
                commands,
                "build",
                "lab",
                build_ids=(export.id, build.id),
            )
    note = _("Export a registry cache first (item 6).")
    if exports:
        note = _("Prune the builder's cache, then run the lab's build again.")
    return Item(
        7,
        "cache-import",
        title,
        Status.TODO,
        (),
        commands,
        "builders" if exports else "build",
        "prune" if exports else "lab",
        note=note,
    )


def _cache_images(obs: Observations) -> list[ImageReport]:
    if obs.scan is None:
        return []
    return [
        e.report for e in obs.scan.entries() if e.report is not None and e.report.kind is Kind.CACHE
    ]


def cache_breakdown(report: ImageReport) -> list[tuple[str, int]]:
    """(digest, size) of each blob of a cache image, largest first."""
    return sorted(((b.digest, b.size) for b in report.manifest.blobs), key=lambda pair: -pair[1])


def cache_size_record(
    obs: Observations, image: ImageReport | None, at: float
) -> CacheSizeRecord | None:
    """The comparison the registry shows now, to keep (None: nothing to compare)."""
    caches = _cache_images(obs)
    if not caches or image is None:
        return None
    cache = caches[-1]
    return CacheSizeRecord(
        at=at,
        registry=obs.registry_host,
        cache_ref=cache.ref,
        cache_digest=cache.digest,
        cache_size=cache.unique_size,
        blobs=tuple(cache_breakdown(cache)),
        image_ref=image.ref,
        image_digest=image.digest,
        image_size=image.unique_size,
    )


def _cache_size(obs: Observations, image: ImageReport | None, _: Translate) -> Item:
    title = _("The cache image is inspected and its size compared with the image's")
    host = obs.registry_host
    commands = (
        f"docker buildx imagetools inspect --raw {host}/cachedata1",
        f"{obs.cli} inspect cachedata1:latest",
    )
    now = cache_size_record(obs, image, 0.0)
    kept = [r for r in obs.records.cache_sizes if r.registry == host]
    seen = now or (kept[-1] if kept else None)
    if seen is None:
        note = _("No cache image in the registry yet (item 6).")
        if _cache_images(obs):
            note = _("No two-platform image to compare it with yet (item 4).")
        return Item(8, "cache-size", title, Status.TODO, (), commands, "registry", note=note)
    ratio = seen.cache_size / seen.image_size if seen.image_size else 0.0
    evidence = [
        _("Cache image {ref}: {size} in {blobs} blobs").format(
            ref=seen.cache_ref, size=format_size(seen.cache_size), blobs=len(seen.blobs)
        ),
        _("Image {ref}: {size}").format(ref=seen.image_ref, size=format_size(seen.image_size)),
        _("The cache is {ratio:.1f} times the size of the image").format(ratio=ratio),
    ]
    if now is None:
        evidence.append(_("As seen before the cache image was deleted"))
    repository = seen.cache_ref.split("/", 1)[1]
    return Item(
        8,
        "cache-size",
        title,
        Status.DONE,
        tuple(evidence),
        (
            f"docker buildx imagetools inspect --raw {seen.cache_ref}",
            f"{obs.cli} inspect {shlex.quote(repository)}",
        ),
        "registry",
    )


def _bonus(obs: Observations, image: ImageReport | None, _: Translate) -> Item:
    title = _(
        "Bonus: the cache image deleted, garbage collected, space measured, the image still pulls"
    )
    commands = (f"{obs.cli} rm cachedata1:latest", f"{obs.cli} gc")
    host = obs.registry_host
    deletions = [d for d in obs.records.deletions if d.registry == host and "cache" in d.kinds]
    if not deletions:
        return Item(
            9,
            "bonus",
            title,
            Status.TODO,
            (),
            commands,
            "cleanup",
            note=_("No cache image has been deleted from {host} yet.").format(host=host),
        )
    deletion = deletions[-1]
    collections = [c for c in obs.records.collections if c.registry == host and c.at > deletion.at]
    if not collections:
        return Item(
            9,
            "bonus",
            title,
            Status.TODO,
            (_("Deleted {what}").format(what=deletion.deletion),),
            commands,
            "cleanup",
            note=_("Run the garbage collector to reclaim the space."),
        )
    gc = collections[-1]
    evidence = [
        _("Deleted {what}").format(what=deletion.deletion),
        _("Storage before {before}, after {after}").format(
            before=_kb(gc.kb_before), after=_kb(gc.kb_after)
        ),
        _("{count} blobs deleted by the collector").format(count=gc.blobs_deleted),
    ]
    if gc.problems or image is None:
        return Item(
            9,
            "bonus",
            title,
            Status.ATTENTION,
            tuple(evidence),
            commands,
            "cleanup",
            note=_("After the collection the image does not pull: {problem}").format(
                problem="; ".join(gc.problems) or _("no two-platform image in the registry")
            ),
        )
    evidence.append(
        _("{ref} still pulls ({digest}); {count} tags verified").format(
            ref=image.ref, digest=short_digest(image.digest), count=gc.tags_checked
        )
    )
    return Item(9, "bonus", title, Status.DONE, tuple(evidence), commands, "cleanup")


def _kb(kb: int | None) -> str:
    return "?" if kb is None else format_size(kb * 1024)
