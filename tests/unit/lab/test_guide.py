"""The lab guide: each item decided from observations only, in the lab's order."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.history import BuildEntry, BuildHistory
from buildtui.buildx.builders import current_builder
from buildtui.buildx.models import Builder, Node, Platform
from buildtui.lab.guide import (
    ExportCheck,
    Observations,
    Status,
    evaluate,
    exports_of,
    registry_caches,
)
from buildtui.lab_records import RecordBook
from buildtui.registry.scan import RegistryScan
from buildtui.settings import Settings
from tests.fakes.builders import sample_builders
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import LAB_ARGV, record_build, scan_of
from tests.fakes.status import healthy_status

SETTINGS = Settings()
AMD_ARM = (Platform("linux/amd64"), Platform("linux/arm64"))


def docker_only() -> list[Builder]:
    return [
        Builder(
            "default", "docker", (Node("default", "default", "running", "v0.13", AMD_ARM),),
            current=True,
        )
    ]  # fmt: skip


def builds(tmp_path: Path, *logs: tuple[str, float]) -> tuple[BuildEntry, ...]:
    history = BuildHistory(tmp_path / "h.sqlite3")
    for log, started in logs:
        record_build(history, log, started)
    return tuple(reversed(history.list()))


def observations(
    tmp_path: Path,
    *,
    entries: tuple[BuildEntry, ...] = (),
    scan: RegistryScan | None = None,
    builders: list[Builder] | None = None,
    buildkit_image: bool | None = False,
) -> Observations:
    return Observations(
        registry_host="localhost:5000",
        registry_container="registry7",
        engine=healthy_status(),
        builders=current_builder(docker_only() if builders is None else builders, ""),
        buildkit_image=buildkit_image,
        builds=entries,
        scan=scan,
        records=RecordBook(tmp_path / "records.json").read(),
    )


def statuses(obs: Observations) -> list[str]:
    return [item.status.value for item in evaluate(obs).items]


def test_a_fresh_lab_ticks_only_what_the_engine_and_registry_show(tmp_path: Path) -> None:
    # The lab registry holds images, but no recorded build pushed them.
    empty = scan_of(lab_fake_registry(), SETTINGS)
    guide = evaluate(observations(tmp_path, scan=empty))
    assert [i.status for i in guide.items] == [
        Status.DONE, Status.ACCEPTED, Status.DONE, *[Status.TODO] * 6
    ]  # fmt: skip
    assert guide.progress == "3/9"
    assert "linux/arm64" in guide.items[0].evidence[0]
    # Accepted: the docker driver with the containerd store, and why.
    assert "containerd" in guide.items[1].evidence[0]
    assert guide.items[1].note is not None and "docker driver" in guide.items[1].note


def test_a_running_docker_container_builder_not_in_use_is_not_accepted(tmp_path: Path) -> None:
    guide = evaluate(observations(tmp_path, builders=sample_builders()))
    builder = guide.item("builder")
    assert builder.status is Status.TODO
    assert builder.note is not None and "cachebox" in builder.note
    assert builder.commands[0] == "docker buildx use cachebox"


def test_when_the_buildkit_image_is_there_the_docker_driver_is_not_enough(tmp_path: Path) -> None:
    guide = evaluate(observations(tmp_path, buildkit_image=True))
    assert guide.item("builder").status is Status.TODO


CREATE_LAB7 = "docker buildx create --name lab7 --driver docker-container --use --bootstrap"


@pytest.mark.parametrize(
    ("status", "in_use", "buildkit_image", "commands", "preset"),
    [
        # lab7 is in use and only needs to start.
        ("inactive", True, True, ("docker buildx inspect --bootstrap lab7",), None),
        # It runs: only use it.
        ("running", False, True, ("docker buildx use lab7",), None),
        # Neither: start it, then use it; never create it again.
        ("inactive", False, True,
         ("docker buildx inspect --bootstrap lab7", "docker buildx use lab7"), None),
        # Accepted on the docker driver (no BuildKit image): lab7 exists all the same.
        ("inactive", False, False,
         ("docker buildx inspect --bootstrap lab7", "docker buildx use lab7"), None),
        # No docker-container builder: create it, with the create form filled in.
        (None, False, True, (CREATE_LAB7,), "create"),
    ],
)  # fmt: skip
def test_item_2_proposes_only_what_is_not_done(
    tmp_path: Path,
    status: str | None,
    in_use: bool,
    buildkit_image: bool,
    commands: tuple[str, ...],
    preset: str | None,
) -> None:
    builders = docker_only()
    if status is not None:
        lab7 = Builder("lab7", "docker-container", (Node("lab70", "unix://", status),))
        builders = [replace(builders[0], current=not in_use), replace(lab7, current=in_use)]
    obs = observations(tmp_path, builders=builders, buildkit_image=buildkit_image)
    item = evaluate(obs).item("builder")
    assert item.status is not Status.DONE
    assert item.commands == commands
    assert item.preset == preset
    text = " ".join([*item.commands, item.note or ""])
    if status is not None:
        assert "buildx create" not in text  # it exists
    if in_use:
        assert "buildx use" not in text  # it is in use


def test_in_use_docker_container_builder_is_done(tmp_path: Path) -> None:
    lab7 = Builder(
        "lab7", "docker-container", (Node("lab70", "unix://", "running", "v0.13", AMD_ARM),)
    )
    guide = evaluate(observations(tmp_path, builders=[*docker_only(), lab7]))
    assert guide.item("builder").status is Status.TODO  # it runs, but default is in use
    assert guide.item("builder").commands[0] == "docker buildx use lab7"
    in_use = current_builder([replace(docker_only()[0], current=False), lab7], "lab7")
    obs = replace(observations(tmp_path), builders=in_use)
    assert evaluate(obs).item("builder").status is Status.DONE


def test_registry_without_deletion_is_not_ticked(tmp_path: Path) -> None:
    obs = observations(tmp_path)
    assert obs.engine is not None
    obs = replace(obs, engine=replace(obs.engine, registry_delete_enabled=False))
    item = evaluate(obs).item("registry")
    assert item.status is Status.TODO
    assert item.note is not None and "deletion is not enabled" in item.note


def test_the_lab_build_ticks_push_cache_export_and_cache_size(tmp_path: Path) -> None:
    registry = lab_fake_registry()
    entries = builds(tmp_path, ("lab-first-build.log", 100.0))
    guide = evaluate(observations(tmp_path, entries=entries, scan=scan_of(registry, SETTINGS)))
    pushed = guide.item("pushed")
    assert pushed.status is Status.DONE
    digest = registry.tags["lab"]["cachetest"]
    assert any(digest in line for line in pushed.evidence)
    assert "linux/amd64 + linux/arm64" in pushed.evidence[2]
    assert guide.item("cache-export").status is Status.DONE
    assert guide.item("cache-export").build_ids == (entries[0].id,)
    assert guide.item("cache-size").status is Status.DONE
    assert guide.item("cache-import").status is Status.TODO
    assert guide.item("cache-import").preset == "prune"


def test_second_build_without_a_prune_between_does_not_tick(tmp_path: Path) -> None:
    entries = builds(tmp_path, ("lab-first-build.log", 100.0), ("lab-second-build.log", 200.0))
    item = evaluate(observations(tmp_path, entries=entries)).item("cache-import")
    assert item.status is Status.TODO
    assert item.note is not None and "No prune" in item.note
    assert any("10/10 steps CACHED" in line for line in item.evidence)


def test_prune_then_second_build_ticks_item_seven(tmp_path: Path) -> None:
    book = RecordBook(tmp_path / "records.json", clock=lambda: 150.0)
    book.add_prune("default", 4096, 12)
    entries = builds(tmp_path, ("lab-first-build.log", 100.0), ("lab-second-build.log", 200.0))
    item = evaluate(observations(tmp_path, entries=entries)).item("cache-import")
    assert item.status is Status.DONE
    assert item.build_ids == (entries[0].id, entries[1].id)
    assert "12 records" in item.evidence[0]


def test_a_prune_before_the_cache_export_does_not_count(tmp_path: Path) -> None:
    RecordBook(tmp_path / "records.json", clock=lambda: 50.0).add_prune("default", 1, 1)
    entries = builds(tmp_path, ("lab-first-build.log", 100.0), ("lab-second-build.log", 200.0))
    assert evaluate(observations(tmp_path, entries=entries)).item("cache-import").status is (
        Status.TODO
    )


def local_hits(entry: BuildEntry) -> BuildEntry:
    summary: BuildSummary = replace(
        entry.summary, cache_import="not-found", cache_import_detail="not found"
    )
    return replace(entry, summary=summary)


def test_cached_steps_without_an_import_came_from_the_local_cache(tmp_path: Path) -> None:
    entries = builds(tmp_path, ("lab-first-build.log", 100.0), ("lab-second-build.log", 200.0))
    entries = (entries[0], local_hits(entries[1]))
    item = evaluate(observations(tmp_path, entries=entries)).item("cache-import")
    assert item.status is Status.ATTENTION
    assert item.note is not None and "local cache" in item.note
    assert (item.pane, item.preset) == ("builders", "prune")
    assert "docker buildx prune -af" in item.commands


def test_bonus_needs_a_cache_deletion_then_a_collection_and_the_image(tmp_path: Path) -> None:
    registry = lab_fake_registry()
    scan = scan_of(registry, SETTINGS)
    entries = builds(tmp_path, ("lab-first-build.log", 1.0))
    clock = iter([10.0, 20.0, 30.0]).__next__
    book = RecordBook(tmp_path / "records.json", clock=clock)
    book.add_deletion("localhost:5000", "cachedata1:latest", ["cache"], ["DELETE /v2/x"], 9000)
    assert (
        evaluate(observations(tmp_path, entries=entries, scan=scan)).item("bonus").status
        is Status.TODO
    )
    book.add_collection(
        "localhost:5000", "registry7", kb_before=2048, kb_after=1024, blobs_deleted=4,
        deletions=["cachedata1:latest"], tags_checked=5, problems=[], log=["blob eligible"],
    )  # fmt: skip
    bonus = evaluate(observations(tmp_path, entries=entries, scan=scan)).item("bonus")
    assert bonus.status is Status.DONE
    # One figure for the space freed (du before minus after), and how it was measured.
    assert bonus.evidence[1] == (
        "Space freed: 1.05 MB, measured by du -sk of the registry's storage before and after "
        "the collection"
    )
    assert bonus.records == ("deletion-1", "collection-1")
    assert "localhost:5000/lab:cachetest still pulls" in bonus.evidence[-1]
    # Another registry's records do not count.
    other = replace(
        observations(tmp_path, entries=entries, scan=scan), registry_host="localhost:5001"
    )
    assert evaluate(other).item("bonus").status is Status.TODO


def test_exports_are_read_from_the_command() -> None:
    assert exports_of(["--load", "-t", "lab:local", "."]) == [("docker", "lab:local", True)]
    assert exports_of(["-o", "type=oci,dest=out.tar", "."]) == [("oci", "out.tar", False)]
    assert exports_of(["--output=type=local,dest=dir", "."]) == [("local", "dir", False)]
    assert exports_of(["-o", "./dir", "."]) == [("local", "./dir", False)]
    assert exports_of(["--push", "-o", "type=registry", "."]) == []
    assert exports_of(["-t", "lab:img", "-o", "type=image", "."]) == [("image", "lab:img", True)]
    assert exports_of(["-o", "type=image,name=lab:named", "."]) == [("image", "lab:named", True)]
    assert exports_of(["-t", "x", "-o", "type=image,push=true", "."]) == []
    assert registry_caches(LAB_ARGV, "--cache-to", "localhost:5000")[0]["mode"] == "max"
    assert registry_caches(LAB_ARGV, "--cache-to", "localhost:5001") == []


def test_an_export_ticks_only_when_its_result_was_found(tmp_path: Path) -> None:
    obs = observations(tmp_path)
    missing = replace(obs, exports=(ExportCheck(3, "oci", "out.tar", False),))
    item = evaluate(missing).item("exported")
    assert item.status is Status.TODO
    assert item.note is not None and "out.tar" in item.note
    found = replace(obs, exports=(ExportCheck(3, "oci", "out.tar", True),))
    assert evaluate(found).item("exported").status is Status.DONE


def test_an_export_written_into_its_build_context_is_done_with_a_warning(tmp_path: Path) -> None:
    inside = ExportCheck(3, "oci", "/lab/lab-oci.tar", True, inside_context="/lab")
    item = evaluate(replace(observations(tmp_path), exports=(inside,))).item("exported")
    assert item.status is Status.DONE
    assert item.note is not None
    assert "inside its build context /lab" in item.note and "dest=../lab-oci.tar" in item.note
    assert "dest=../lab-oci.tar" in item.commands[0]  # the proposed command writes outside


def test_an_imported_build_counts_as_evidence_marked_imported(tmp_path: Path) -> None:
    registry = lab_fake_registry()
    (entry,) = builds(tmp_path, ("lab-first-build.log", 100.0))
    imported = replace(entry, source="plain-log", imported_at=200.0, origin="student.log")
    guide = evaluate(observations(tmp_path, entries=(imported,), scan=scan_of(registry, SETTINGS)))
    export = guide.item("cache-export")
    assert export.status is Status.DONE
    assert export.evidence[-1] == (
        f"Build {entry.id} is imported evidence: a plain build log (student.log)."
    )
    here = evaluate(observations(tmp_path, entries=(entry,), scan=scan_of(registry, SETTINGS)))
    assert not any("imported" in line for line in here.item("cache-export").evidence)


def with_steps(entry: BuildEntry, status: str, count: int) -> BuildEntry:
    """`entry` with its first `count` cached steps reported `status` instead (BuildKit
    cancels some steps it no longer needs when later ones come from the cache)."""
    steps, changed = [], 0
    for step in entry.summary.steps:
        if step.counted and step.status == "cached" and changed < count:
            step = replace(step, status=status)
            changed += 1
        steps.append(step)
    assert changed == count
    summary = replace(entry.summary, steps=tuple(steps), cached=entry.summary.cached - count)
    return replace(entry, summary=summary)


def test_steps_buildkit_skipped_as_not_needed_still_tick_item_seven(tmp_path: Path) -> None:
    # The lab's build after a prune, all from the imported cache, but BuildKit canceled two
    # steps a later cached step made unneeded: nothing was built again.
    RecordBook(tmp_path / "records.json", clock=lambda: 150.0).add_prune("default", 4096, 12)
    entries = builds(tmp_path, ("lab-first-build.log", 100.0), ("lab-second-build.log", 200.0))
    entries = (entries[0], with_steps(entries[1], "canceled", 2))
    assert entries[1].summary.from_cache and entries[1].summary.not_needed == 2
    item = evaluate(observations(tmp_path, entries=entries)).item("cache-import")
    assert item.status is Status.DONE
    assert any("8/10 steps CACHED" in line for line in item.evidence)
    assert "2 steps not needed: BuildKit skipped them, later steps came from the cache" in (
        item.evidence
    )


def test_a_step_built_again_does_not_tick_item_seven(tmp_path: Path) -> None:
    RecordBook(tmp_path / "records.json", clock=lambda: 150.0).add_prune("default", 4096, 12)
    entries = builds(tmp_path, ("lab-first-build.log", 100.0), ("lab-second-build.log", 200.0))
    entries = (entries[0], with_steps(entries[1], "done", 1))
    assert not entries[1].summary.from_cache
    item = evaluate(observations(tmp_path, entries=entries)).item("cache-import")
    assert item.status is Status.TODO


def test_canceled_steps_of_a_failed_build_are_not_skipped_ones(tmp_path: Path) -> None:
    entries = builds(tmp_path, ("lab-second-build.log", 200.0))
    failed = with_steps(entries[0], "canceled", 2)
    failed = replace(failed, summary=replace(failed.summary, exit_code=1))
    assert (failed.summary.not_needed, failed.summary.from_cache) == (0, False)
