"""Proof once shown is kept: an item seen done is recorded with its evidence (in each
language), what it rests on (builds, records, digests) and the time; from then on it
stays done with that evidence. What changed since is a note under it ("since 10:42:
the cache image was deleted, as item 9 asks"; "registry7 is not answering now"), never
a silent downgrade. A registry that does not answer is said to be down: that is no
evidence about its contents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from buildtui.i18n import language_of
from buildtui.lab.build_items import down_note, own_deletions
from buildtui.lab.checklist import Guide, Item, Observations, Status, Translate
from buildtui.lab.evidence import imagetools_listing, local_cache_hits, two_platform_image
from buildtui.lab.timeline import short_time
from buildtui.lab_records import ProofRecord

REGISTRY_ITEMS = ("registry", "pushed", "cache-size", "bonus")
"""Items whose evidence the registry shows (it may be down when the guide looks)."""


def proofs_to_keep(guides: dict[str, Guide], obs: Observations, now: float) -> list[ProofRecord]:
    """The proofs to record: each item done now that has none yet (or only an accepted
    one, where it is now done). `guides`: the live guide in each language."""
    english = guides["en"]
    found = []
    for index, item in enumerate(english.items):
        if not item.status.ticked:
            continue
        old = obs.records.proof(obs.registry_host, item.key)
        if old is not None and not (old.status == "accepted" and item.status is Status.DONE):
            continue
        listing: tuple[str, ...] = ()
        image = two_platform_image(obs) if item.key == "pushed" else None
        if image is not None:
            listing = tuple(imagetools_listing(image))
        found.append(
            ProofRecord(
                at=now,
                registry=obs.registry_host,
                item=item.key,
                number=item.number,
                status=item.status.value,
                evidence={
                    language: guide.items[index].evidence for language, guide in guides.items()
                },
                builds=item.build_ids,
                records=item.records,
                digests=item.digests,
                listing=listing,
            )
        )
    return found


def keep(items: Sequence[Item], obs: Observations, _: Translate) -> tuple[Item, ...]:
    """Each live item, or its kept proof where there is one."""
    out = []
    for item in items:
        proof = obs.records.proof(obs.registry_host, item.key)
        out.append(item if proof is None else kept_item(item, proof, obs, _))
    return tuple(out)


def kept_item(live: Item, proof: ProofRecord, obs: Observations, _: Translate) -> Item:
    language = language_of(_)
    evidence = proof.evidence.get(language) or proof.evidence.get("en") or live.evidence
    status = Status(proof.status)
    if live.status.ticked:
        note = live.note if live.status is status else None
        return replace(
            live,
            status=status if status is Status.DONE else live.status,
            evidence=evidence if live.status is status else live.evidence,
            note=note,
            proven_at=proof.at,
            build_ids=proof.builds if live.status is status else live.build_ids,
            records=proof.records if live.status is status else live.records,
            digests=proof.digests if live.status is status else live.digests,
        )
    return replace(
        live,
        status=status,
        evidence=evidence,
        note=change_note(live, proof, obs, _),
        build_ids=proof.builds,
        records=proof.records,
        digests=proof.digests,
        proven_at=proof.at,
        kept=True,
    )


def change_note(live: Item, proof: ProofRecord, obs: Observations, _: Translate) -> str:
    """What is different now from when the item was proven, in a sentence."""
    now = obs.at or proof.at
    engine = obs.engine
    deleted = [d for d in own_deletions(obs) if d.at > proof.at]
    if live.key == "cache-size" and deleted:
        # Said first, a registry down or not: the records say why the cache is gone, and
        # the live item says the same (`build_items.cache_size_item`).
        return _("Since {time}: the cache image was deleted, as item 9 asks.").format(
            time=short_time(deleted[0].at, now)
        )
    if live.key in REGISTRY_ITEMS and (
        obs.registry_down or (live.key == "registry" and (engine is None or not engine.registry_up))
    ):
        return down_note(obs, _)
    if live.key in ("platforms", "builder") and obs.builders is None:
        return _(
            "The builders could not be listed now: what is shown was seen before "
            "(is the Docker engine running?)."
        )
    if live.key == "cache-import":
        last = max(proof.builds, default=0)
        later = [b for b in obs.builds if b.id > last]
        if later:
            build = later[-1]
            when = short_time(build.started, now)
            if local_cache_hits(build) or build.summary.cache_import == "not-found":
                if deleted and deleted[0].at < build.started:
                    return _(
                        "Since {time}: build {id} found no registry cache (it was deleted, as "
                        "item 9 asks); its CACHED steps came from the builder's local cache."
                    ).format(time=when, id=build.id)
                return _(
                    "Since {time}: build {id} found no registry cache; its CACHED steps came "
                    "from the builder's local cache."
                ).format(time=when, id=build.id)
            if live.note:
                return _("Since {time}: {note}").format(time=when, note=live.note)
    if live.note:
        return _("Now: {note}").format(note=live.note)
    return _("It is not seen done now; what is shown was seen when it was proven.")
