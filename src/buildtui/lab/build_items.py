"""Items 4-9 of the guide: what the builds pushed, exported and cached, the cache image
measured, and the clean-up (deleted, collected, the image still pulls)."""

from __future__ import annotations

import shlex

from buildtui import l10n
from buildtui.cleanup.accounting import freed_bytes
from buildtui.i18n import decimal, ngettext
from buildtui.lab.build_command import registry_caches
from buildtui.lab.checklist import Item, Observations, Status, Translate
from buildtui.lab.evidence import (
    cache_exports,
    cache_size_record,
    kept_cache_size,
    lab_build_command,
    local_cache_hits,
    own_cache,
    tagged,
    two_platform_image,
)
from buildtui.lab.timeline import short_time
from buildtui.lab_records import CollectionRecord, DeletionRecord
from buildtui.pane_ids import Target
from buildtui.registry.present import format_size, short_digest
from buildtui.registry.scan import ImageReport


def size_comparison(cache: int, image: int, _: Translate) -> str:
    """The cache image's size against the image's, as a sentence that holds for the
    figures: about the same size, N times the size, or a part of it."""
    if not image:
        return _("The image's size is not known: the cache cannot be compared with it")
    ratio = cache / image
    if 0.95 <= ratio <= 1.05:
        return _("The cache is about the same size as the image")
    if ratio < 0.95:
        return _("The cache is {percent} of the image's size").format(
            percent=l10n.percent(ratio * 100)
        )
    if abs(ratio - round(ratio)) < 0.05:
        count = round(ratio)
        return ngettext(
            "The cache is {count} times the size of the image",
            "The cache is {count} times the size of the image",
            count,
        ).format(count=count)
    return _("The cache is {ratio} times the size of the image").format(ratio=l10n.number(ratio, 1))


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
        return Item(4, "pushed", title, Status.TODO, (), commands, Target.LAB_BUILD, note=note)
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
        Target.LAB_BUILD,
        build_ids=builds[-1:],
        digests=((image.ref, image.digest),),
    )


def exported_item(obs: Observations, _: Translate) -> Item:
    title = _("An image is exported with another exporter and found where it should be")
    commands = (
        "docker buildx build --platform linux/amd64,linux/arm64 "
        "-o type=oci,dest=../lab-oci.tar -f Dockerfile_multi .",
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
            Target.BUILD,
            note=_(
                "Build {id} wrote {target} inside its build context {context}: the next "
                "build's COPY sees a changed context and misses the cache. Write exports "
                "outside the context (e.g. dest=../lab-oci.tar)."
            ).format(id=last.build_id, target=last.target, context=last.inside_context)
            if last.inside_context
            else None,
            build_ids=(last.build_id,),
        )
    missing = [e for e in obs.exports if not e.found]
    note = _("No build has exported with --load or type=docker, image, oci, tar or local yet.")
    if missing:
        last = missing[-1]
        note = _("Build {id} exported type={exporter} to {target}, but it is not there.").format(
            id=last.build_id, exporter=last.exporter, target=last.target or "-"
        )
    return Item(5, "exported", title, Status.TODO, (), commands, Target.BUILD, note=note)


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
            Target.LAB_BUILD,
            note=_(
                "No successful build with --cache-to type=registry,…,mode=max on {host} yet."
            ).format(host=obs.registry_host),
        )
    build, ref = exports[-1]
    evidence = [_("Build {id}: cache exported to {ref} (mode=max)").format(id=build.id, ref=ref)]
    digest = obs.cache_digests.get(build.id)
    if digest:
        evidence.append(_("Cache manifest written: {digest}").format(digest=digest))
    return Item(
        6,
        "cache-export",
        title,
        Status.DONE,
        tuple(evidence),
        commands,
        Target.LAB_BUILD,
        build_ids=(build.id,),
        digests=((tagged(ref), digest),) if digest else (),
    )


def cache_import_item(obs: Observations, _: Translate) -> Item:
    title = _(
        "The local cache is pruned, and a second build imports the registry cache: "
        "the import found it and no countable step was built again (each CACHED, or "
        "not needed)"
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
                ngettext(
                    "Build {id}: {cached}/{total} steps CACHED, cache import: not found",
                    "Build {id}: {cached}/{total} steps CACHED, cache import: not found",
                    latest.summary.total,
                ).format(id=latest.id, cached=latest.summary.cached, total=latest.summary.total),
            ),
            commands,
            Target.PRUNE_BUILDER,
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
            evidence: tuple[str, ...] = (
                _("Build {id}: cache import found {ref}").format(id=build.id, ref=ref),
                ngettext(
                    "{cached}/{total} steps CACHED", "{cached}/{total} steps CACHED", summary.total
                ).format(cached=summary.cached, total=summary.total),
            )
            if summary.not_needed:
                evidence += (
                    ngettext(
                        "{count} step not needed: BuildKit skipped it, a later step came "
                        "from the cache",
                        "{count} steps not needed: BuildKit skipped them, later steps came "
                        "from the cache",
                        summary.not_needed,
                    ).format(count=summary.not_needed),
                )
            if summary.total == 0 or not summary.from_cache:
                continue
            if not prunes:
                return Item(
                    7,
                    "cache-import",
                    title,
                    Status.TODO,
                    evidence,
                    commands,
                    Target.PRUNE_BUILDER,
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
                    ngettext(
                        "Builder cache pruned: {records} records, {size}",
                        "Builder cache pruned: {records} records, {size}",
                        prune.records,
                    ).format(records=prune.records, size=decimal(_, format_size(prune.reclaimed))),
                    *evidence,
                ),
                commands,
                Target.LAB_BUILD,
                build_ids=(export.id, build.id),
                records=(prune.id,),
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
        Target.PRUNE_BUILDER if exports else Target.LAB_BUILD,
        note=note,
    )


def cache_size_item(obs: Observations, _: Translate) -> Item:
    title = _("The cache image is inspected and its size compared with the image's")
    host = obs.registry_host
    commands = (
        f"docker buildx imagetools inspect --raw {host}/cachedata1",
        f"{obs.cli} inspect cachedata1:latest",
    )
    now = cache_size_record(obs, 0.0)
    seen = now or kept_cache_size(obs)
    if now is not None:  # the kept record of what is seen now, with its id
        seen = next(
            (
                r
                for r in reversed(obs.records.cache_sizes)
                if (r.registry, r.cache_digest, r.image_digest, r.build_id)
                == (now.registry, now.cache_digest, now.image_digest, now.build_id)
            ),
            now,
        )
    note: str | None = None
    if seen is None:
        own = own_cache(obs)
        note = _("No cache exported by a recorded build is in the registry yet (item 6).")
        if own is not None and own.served is not None and own.cache is None:
            note = _(
                "The registry serves {served} at {ref}, not the cache build {id} exported "
                "({exported}): it is not this history's cache."
            ).format(
                served=short_digest(own.served),
                ref=tagged(own.ref),
                id=own.build.id,
                exported=short_digest(own.exported or "?"),
            )
        elif own is not None and own.cache is not None and own.image is None:
            note = _(
                "Build {id} exported the cache, but the image it pushed is not in the "
                "registry now: build the lab's build again (item 4)."
            ).format(id=own.build.id)
        elif obs.registry_down:
            note = _("The registry could not be read: {error}").format(error=obs.scan_error)
        return Item(8, "cache-size", title, Status.TODO, (), commands, Target.REGISTRY, note=note)
    evidence = [
        ngettext(
            "Cache image {ref}: {size} in {blobs} blobs",
            "Cache image {ref}: {size} in {blobs} blobs",
            len(seen.blobs),
        ).format(
            ref=seen.cache_ref, size=decimal(_, format_size(seen.cache_size)), blobs=len(seen.blobs)
        ),
        _("Exported by build {id}: {digest}").format(id=seen.build_id, digest=seen.cache_digest),
        _("Image {ref}: {size}").format(
            ref=seen.image_ref, size=decimal(_, format_size(seen.image_size))
        ),
        size_comparison(seen.cache_size, seen.image_size, _),
    ]
    if now is None:
        deleted = [d for d in own_deletions(obs) if d.at > seen.at]
        if deleted:
            note = _("Since {time}: the cache image was deleted, as item 9 asks.").format(
                time=short_time(deleted[0].at, obs.at or deleted[0].at)
            )
        elif obs.registry_down:
            note = down_note(obs, _)
        else:
            note = _("The registry does not show this cache now; it was seen {time}.").format(
                time=short_time(seen.at, obs.at or seen.at)
            )
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
        Target.REGISTRY,
        note=note,
        build_ids=(seen.build_id,) if seen.build_id is not None else (),
        records=(seen.id,) if seen.id else (),
        digests=((seen.cache_ref, seen.cache_digest), (seen.image_ref, seen.image_digest)),
    )


def own_deletions(obs: Observations) -> list[DeletionRecord]:
    """The recorded deletions of this registry that deleted this history's cache: a cache
    image, of the repository a recorded build exported its cache to."""
    repositories = {tagged(ref).split("/", 1)[1].split(":")[0] for _b, ref in cache_exports(obs)}
    found = []
    for deletion in obs.records.deletions:
        if deletion.registry != obs.registry_host or "cache" not in deletion.kinds:
            continue
        names = {part.strip().split(":")[0].split("@")[0] for part in deletion.deletion.split(",")}
        if names & repositories:
            found.append(deletion)
    return found


def collection_of(obs: Observations, deletion: DeletionRecord) -> CollectionRecord | None:
    """The collection that freed the blobs of `deletion` (the first after it)."""
    for collection in obs.records.collections:
        if collection.registry != obs.registry_host or collection.at <= deletion.at:
            continue
        if deletion.id in collection.deletion_ids or not collection.deletion_ids:
            return collection
    return None


def bonus_item(obs: Observations, _: Translate) -> Item:
    title = _(
        "Bonus: the cache image deleted, garbage collected, space measured, the image still pulls"
    )
    commands = (f"{obs.cli} rm cachedata1:latest", f"{obs.cli} gc")
    host = obs.registry_host
    deletions = own_deletions(obs)
    if not deletions:
        why = _("No cache image has been deleted from {host} yet.").format(host=host)
        if not cache_exports(obs):
            why = _("Export a registry cache first (item 6), then delete it.")
        return Item(9, "bonus", title, Status.TODO, (), commands, Target.CLEANUP, note=why)
    deletion = deletions[-1]
    gc = collection_of(obs, deletion)
    deleted = _("Deleted {what} ({id})").format(what=deletion.deletion, id=deletion.id)
    if gc is None:
        return Item(
            9,
            "bonus",
            title,
            Status.TODO,
            (deleted,),
            commands,
            Target.CLEANUP,
            note=_("Run the garbage collector to reclaim the space."),
            records=(deletion.id,),
        )
    evidence = [
        deleted,
        freed_line(gc, _),
        ngettext(
            "{count} blobs deleted by the collector ({id})",
            "{count} blobs deleted by the collector ({id})",
            gc.blobs_deleted,
        ).format(count=gc.blobs_deleted, id=gc.id),
    ]
    records = (deletion.id, gc.id)
    if gc.problems:
        return Item(
            9,
            "bonus",
            title,
            Status.ATTENTION,
            tuple(evidence),
            commands,
            Target.CLEANUP,
            note=_("After the collection a tag does not pull: {problem}").format(
                problem="; ".join(gc.problems)
            ),
            records=records,
        )
    evidence.append(
        _("Every remaining tag answered after the collection: {count} verified").format(
            count=gc.tags_checked
        )
    )
    image = two_platform_image(obs)
    note: str | None = None
    digests: tuple[tuple[str, str], ...] = ()
    if image is not None:
        evidence.append(
            _("{ref} still pulls ({digest})").format(
                ref=image.ref, digest=short_digest(image.digest)
            )
        )
        digests = ((image.ref, image.digest),)
    elif obs.registry_down:
        note = down_note(obs, _)
    else:
        note = _("No two-platform image pushed by a recorded build is in the registry now.")
    return Item(
        9,
        "bonus",
        title,
        Status.DONE,
        tuple(evidence),
        commands,
        Target.CLEANUP,
        note=note,
        records=records,
        digests=digests,
    )


def down_note(obs: Observations, _: Translate) -> str:
    return _(
        "{container} is not answering now: what is shown was seen before (a registry that "
        "is down says nothing about its contents)."
    ).format(container=obs.registry_container)


def freed_line(gc: CollectionRecord, _: Translate) -> str:
    """The one figure of the space a collection freed, and how it was measured."""
    freed = freed_bytes(gc.kb_before, gc.kb_after)
    if freed is None:
        return _("Space freed: not measured (du could not be run)")
    return _(
        "Space freed: {size}, measured by du -sk of the registry's storage before and "
        "after the collection"
    ).format(size=decimal(_, format_size(freed)))
