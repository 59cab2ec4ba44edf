"""Pure presentation: inventory rows, the plan as text and JSON, GC and verification lines."""

from __future__ import annotations

from buildtui.cleanup.docker_output import ContainerInfo, parse_gc_output
from buildtui.cleanup.gc import GcResult
from buildtui.cleanup.graph import TagRef
from buildtui.cleanup.plan import Selection, plan_deletion
from buildtui.cleanup.present import (
    compact_kind,
    empty_repository_text,
    inventory_rows,
    left_behind_lines,
    plan_json,
    plan_lines,
    row_detail,
    truncate,
)
from buildtui.cleanup.present_collection import gc_json, gc_result_lines, verify_lines
from buildtui.cleanup.verify import TagCheck, VerifyReport
from tests.fakes.cleanup import GraphBuilder, config, d, lab_graph, layer


def test_inventory_lists_tags_with_kind_size_shared_bytes_and_twins() -> None:
    g = lab_graph()
    g.image("lab", "twin", [config("twin cfg", 100), layer("twin", 1000)], "a", "b")
    g.image("lab", "old", [config("old cfg", 100), layer("old layer", 5000)])  # untagged
    rows = {row.key: row for row in inventory_rows(g.graph)}

    cache = rows["cachedata1:latest"]
    assert cache.kind == "cache image"
    assert cache.size == 900 + 700 + 1_000_000 + 200_000 + 3_000 + 900_000 + 210_000 + 3_100
    # Every layer but the build-stage ones is also the image's or the base image's.
    assert cache.shared == 1_000_000 + 3_000 + 900_000 + 3_100
    assert rows["lab:cachetest"].kind == "index linux/amd64 + linux/arm64"
    assert rows["lab:a"].note == "same manifest as b"
    assert rows["lab:a"].shared == rows["lab:a"].size  # all of it is also lab:b's
    untagged = rows["lab (untagged)"]
    assert untagged.selection == Selection("lab", untagged=True)
    assert untagged.name == "(1 untagged)"
    assert untagged.size == 400 + 100 + 5000
    assert list(rows)[:3] == ["busybox:amd64", "busybox:arm64", "busybox:latest"]


def test_plan_lines_say_what_goes_what_stays_and_the_requests() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("cachedata1", tag="latest")])
    text = "\n".join(plan_lines(plan))

    assert "Plan for localhost:5000: cachedata1:latest" in text
    assert f"delete cachedata1@{d('cache')[:19]}  (tags: latest)" in text
    assert "Garbage collection frees 4 blobs, 412 kB:" in text
    assert (
        "used by busybox:amd64, busybox:latest (linux/amd64), lab:cachetest (linux/amd64)" in text
    )
    assert f"curl -X DELETE http://localhost:5000/v2/cachedata1/manifests/{d('cache')}" in text
    assert "Then reclaim the space (registry garbage-collect (never -m" in text
    assert text.endswith("\n  buildtui gc --remove-empty-repo cachedata1")
    assert plan_json(plan)["follow_up_commands"] == ["buildtui gc --remove-empty-repo cachedata1"]
    assert plan_json(plan)["repositories_left_without_tags"] == ["cachedata1"]
    assert "REFUSED" not in text


def test_refused_plans_and_collateral_tags_stand_out() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", digest=d("app"))])
    text = "\n".join(plan_lines(plan))

    assert "REFUSED (nothing will be sent):" in text
    assert "Also removed although not selected:\n  ! lab:latest" in text
    document = plan_json(plan)
    assert document["ok"] is False
    assert document["collateral_tags"] == ["lab:latest", "lab:v1"]


def test_plan_json_has_every_request_and_blob() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("busybox", tag="amd64")], nonce="x")
    document = plan_json(plan)

    (step,) = document["steps"]
    assert step["action"] == "untag"
    assert step["keeps"] == d("bb amd64")
    assert step["requests"][0].startswith("curl -X PUT -H 'Content-Type: application/vnd.oci")
    assert document["freed_bytes"] == sum(b["size"] for b in document["blobs"] if b["freed"])


def info() -> ContainerInfo:
    return ContainerInfo(
        "registry7", "id", "sha256:img", "registry:2", True, False, "/bin/registry",
        "/etc/docker/registry/config.yml", "/var/lib/registry", ("/var/lib/registry",), (),
        ("0.0.0.0:5000->5000/tcp",), (5000,), True,
    )  # fmt: skip


def test_gc_result_lines_and_json() -> None:
    output = parse_gc_output(
        "21 blobs marked, 4 blobs and 0 manifests eligible for deletion\n"
        "blob eligible for deletion: sha256:111\n"
    )
    result = GcResult(info(), False, output, 3272, 2840, ("docker stop registry7",))

    assert gc_result_lines(result, cli="buildtui") == [
        "Garbage collection in registry7: 21 blobs marked, 4 blobs and 0 manifests eligible "
        "for deletion",
        "Storage: 3.35 MB -> 2.91 MB, 442 kB freed (du -sk of the registry's storage before "
        "and after the collection)",
    ]
    document = gc_json(result)
    # One figure for the space freed, the same in the lines and the JSON.
    assert (document["freed_bytes"], document["freed"]) == (432 * 1024, "442 kB")
    assert document["freed_measured_by"].startswith("du -sk")
    assert (document["blobs_marked"], document["blobs_deleted"]) == (21, 4)
    assert document["deleted_blobs"] == ["sha256:111"]


def test_verify_lines_name_each_damaged_tag() -> None:
    good = TagCheck(TagRef("lab", "v1", d("a")), d("a"), 7)
    bad = TagCheck(
        TagRef("lab", "cachetest", d("b")), d("b"), 9, ("manifest sha256:x answers 404",)
    )
    report = VerifyReport("localhost:5000", (good, bad), 16)

    assert verify_lines(report) == [
        "DAMAGED: 1 remaining tag on localhost:5000 is damaged (of 2 checked): lab:cachetest: "
        "manifest sha256:x answers 404",
        "  lab:cachetest:",
        "    ! manifest sha256:x answers 404",
    ]
    assert verify_lines(VerifyReport("r", (good,), 7)) == [
        "OK: 1 remaining tag on r is complete: 7 manifests and blobs answered 200"
    ]


def test_the_table_s_kind_is_compact_and_the_detail_line_has_it_in_full() -> None:
    assert compact_kind("index linux/amd64 + linux/arm64") == "index amd64+arm64"
    assert compact_kind("index linux/amd64 + linux/arm/v7") == "index amd64+arm/v7"
    assert compact_kind("index linux/amd64 + windows/amd64") == "index 2 platforms"
    assert compact_kind("index linux/amd64 + linux/arm64 + linux/s390x") == "index 3 platforms"
    assert compact_kind("cache image") == "cache image"
    rows = {row.key: row for row in inventory_rows(lab_graph().graph)}
    detail = row_detail(rows["lab:cachetest"])
    assert detail.startswith("lab:cachetest · index linux/amd64 + linux/arm64 · " + d("lab index"))
    assert "shared with other tags" in detail
    assert truncate("same manifest as stable", 20) == "same manifest as st…"
    assert truncate("same manifest as v2", 20) == "same manifest as v2"


def test_an_empty_repository_is_explained_with_the_commands_that_remove_it() -> None:
    text = empty_repository_text("cachedata1", "buildtui --registry http://localhost:5001")
    assert "registry:2 has no API to delete a repository" in text
    assert "`buildtui --registry http://localhost:5001 rm --untagged cachedata1`" in text
    assert "`buildtui --registry http://localhost:5001 gc --remove-empty-repo cachedata1`" in text
    other = empty_repository_text("cachedata1", None)  # not the lab registry: no command
    assert "registry:2 has no API" in other and "buildtui" not in other


def test_after_a_deletion_what_it_left_behind_is_said_with_its_commands() -> None:
    plan = plan_deletion(
        lab_graph().graph, [Selection("cachedata1", tag="latest", untag_only=True)], cli="bt"
    )
    assert left_behind_lines(plan) == [
        "cachedata1: 1 manifest left untagged, kept by the collector: select the row "
        "cachedata1 (1 untagged) and delete it, or bt rm --untagged cachedata1",
        "cachedata1 keeps no tags but stays in the catalog (registry:2 cannot delete a "
        "repository): bt gc --remove-empty-repo cachedata1",
    ]
    kept = plan_deletion(lab_graph().graph, [Selection("busybox", tag="amd64")])
    assert left_behind_lines(kept) == []


def test_a_cache_plan_says_it_frees_only_the_cache_only_bytes() -> None:
    from buildtui.cleanup.plan import Selection, plan_deletion
    from buildtui.cleanup.present import plan_lines
    from buildtui.registry.present import format_size
    from tests.fakes.cleanup import lab_graph

    plan = plan_deletion(lab_graph().graph, [Selection("cachedata1", tag="latest")])
    text = "\n".join(plan_lines(plan))
    line = next(x for x in text.splitlines() if "A BuildKit cache" in x)
    assert f"frees only its cache-only bytes ({format_size(plan.freed_bytes)})" in line
    shared = sum(b.size for b in plan.kept_blobs)
    assert f"{format_size(shared)} of its blobs stay" in line
    image = plan_deletion(lab_graph().graph, [Selection("lab", tag="cachetest")])
    assert "A BuildKit cache" not in "\n".join(plan_lines(image))
