"""Items 4-9 of the guide: what the builds pushed, exported and cached, the cache image
measured, and the clean-up (deleted, collected, the image still pulls)."""

from __future__ import annotations

import shlex

from buildtui.lab.build_command import registry_caches
from buildtui.lab.checklist import Item, Observations, Status, Translate
from buildtui.lab.evidence import (
    cache_exports,
    cache_images,
    cache_size_record,
    lab_build_command,
    local_cache_hits,
)
from buildtui.registry.present import format_size, short_digest
from buildtui.registry.scan import ImageReport


def pushed_item(obs: Observations, image: ImageReport | None, _: Translate) -> Item:
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


def exported_item(obs: Observations, _: Translate) -> Item:
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


def cache_export_item(obs: Observations, _: Translate) -> Item:
    title = _("A build exports a registry cache with mode=max to {container}").format(
        container=obs.registry_container
    )
    commands = (lab_build_command(obs),)
    exports = cache_exports(obs)
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


def cache_import_item(obs: Observations, _: Translate) -> Item:
    title = _(
        "The local cache is pruned, and a second build imports the registry cache: "
        "the import found it and every countable step is CACHED"
    )
    commands = ("docker buildx prune -af", lab_build_command(obs))
    exports = cache_exports(obs)
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


def cache_size_item(obs: Observations, image: ImageReport | None, _: Translate) -> Item:
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
        if cache_images(obs):
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


def bonus_item(obs: Observations, image: ImageReport | None, _: Translate) -> Item:
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
            before=kilobytes(gc.kb_before), after=kilobytes(gc.kb_after)
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


def kilobytes(kb: int | None) -> str:
    return "?" if kb is None else format_size(kb * 1024)
