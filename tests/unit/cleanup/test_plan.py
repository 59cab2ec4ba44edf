"""The deletion planner: what goes, what stays and why, and the space freed."""

from __future__ import annotations

import json

from buildtui.cleanup.graph import ManifestNode
from buildtui.cleanup.plan import Selection, plan_deletion
from buildtui.cleanup.steps import StepAction, placeholder_manifest, sha256
from buildtui.registry.models import OCI_INDEX, Kind
from tests.fakes.cleanup import GraphBuilder, config, d, lab_graph, layer


def test_deleting_the_cache_frees_only_what_the_image_does_not_use() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("cachedata1", tag="latest")])

    assert plan.ok, plan.refusals
    assert [(s.action, s.repository, s.digest) for s in plan.steps] == [
        (StepAction.DELETE, "cachedata1", d("cache"))
    ]
    assert plan.steps[0].removes_tags == ("latest",)
    freed_digests = {b.digest for b in plan.freed_blobs}
    assert freed_digests == {
        d("cache"),
        d("cache cache config"),
        d("build stage amd64"),
        d("build stage arm64"),
    }
    assert plan.freed_bytes == 900 + 700 + 200_000 + 210_000
    kept = {b.digest: b for b in plan.kept_blobs}
    assert set(kept) == {
        d("busybox amd64"),
        d("busybox arm64"),
        d("final amd64"),
        d("final arm64"),
    }
    # A layer the base image and lab:cachetest both use names them both.
    assert "lab:cachetest (linux/amd64)" in kept[d("busybox amd64")].kept_by
    assert "busybox:amd64" in kept[d("busybox amd64")].kept_by
    assert kept[d("final arm64")].kept_by == ("lab:cachetest (linux/arm64)",)
    assert plan.collateral_tags == ()
    assert [str(t) for t in plan.removed_tags] == ["cachedata1:latest"]
    assert "cachedata1:latest" not in {str(t) for t in plan.remaining_tags}
    assert "lab:cachetest" in {str(t) for t in plan.remaining_tags}


def test_deleting_an_index_deletes_its_platform_and_attestation_manifests_parents_first() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("lab", tag="cachetest")])

    assert plan.ok, plan.refusals
    digests = [s.digest for s in plan.steps]
    assert digests[0] == d("lab index")
    assert set(digests[1:]) == {d("lab amd64"), d("lab arm64"), d("att amd64"), d("att arm64")}
    assert all(s.action is StepAction.DELETE for s in plan.steps)
    labels = {s.node.label for s in plan.steps[1:] if s.node}
    assert labels == {
        "linux/amd64",
        "linux/arm64",
        "attestation for linux/amd64",
        "attestation for linux/arm64",
    }
    freed_digests = {b.digest for b in plan.freed_blobs}
    # Attestation statements and configs go; the image's own layers stay in the cache.
    assert d("att amd64 statement") in freed_digests
    assert d("lab amd64 cfg") in freed_digests
    assert d("final amd64") not in freed_digests
    final = next(b for b in plan.kept_blobs if b.digest == d("final amd64"))
    assert final.kept_by == ("cachedata1:latest",)


def test_deleting_the_image_and_its_cache_frees_their_layers_but_not_the_base() -> None:
    g = lab_graph()
    plan = plan_deletion(
        g.graph, [Selection("lab", tag="cachetest"), Selection("cachedata1", tag="latest")]
    )

    assert plan.ok
    freed_digests = {b.digest for b in plan.freed_blobs}
    assert {d("final amd64"), d("final arm64"), d("build stage amd64")} <= freed_digests
    assert d("busybox amd64") not in freed_digests
    base = next(b for b in plan.kept_blobs if b.digest == d("busybox amd64"))
    assert base.kept_by == ("busybox:amd64", "busybox:latest (linux/amd64)")


def test_a_tag_sharing_its_digest_with_another_tag_is_removed_alone() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg"), layer("l1", 5000)], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")], nonce="n1")

    assert plan.ok, plan.refusals
    (step,) = plan.steps
    assert step.action is StepAction.UNTAG
    assert step.tag == "v1"
    assert step.kept_digest == d("app")
    assert step.removes_tags == ("v1",)
    put, delete = step.requests
    assert (put.method, put.path, put.content_type) == ("PUT", "/v2/lab/manifests/v1", OCI_INDEX)
    assert delete.method == "DELETE"
    assert delete.path == f"/v2/lab/manifests/{step.digest}"
    assert step.digest == sha256(put.body) != d("app")
    assert plan.collateral_tags == ()
    assert [k.needed_by for k in plan.kept] == [("lab:latest",)]
    # Nothing but the throw-away manifest itself is garbage afterwards.
    assert [b.what for b in plan.freed_blobs] == ["throw-away manifest"]
    assert any("frees no space" in w for w in plan.warnings)
    assert {str(t) for t in plan.remaining_tags} == {"lab:latest"}


def test_deleting_a_shared_digest_lists_the_other_tags_and_needs_permission() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg"), layer("l1", 5000)], "v1", "latest")
    refused = plan_deletion(g.graph, [Selection("lab", digest=d("app"))])

    assert not refused.ok
    assert {str(t) for t in refused.collateral_tags} == {"lab:v1", "lab:latest"}
    assert any("did not select: lab:latest, lab:v1" in r for r in refused.refusals)

    allowed = plan_deletion(g.graph, [Selection("lab", digest=d("app"))], allow_tag_loss=True)
    assert allowed.ok
    (step,) = allowed.steps
    assert step.removes_tags == ("latest", "v1")
    assert allowed.freed_bytes == 400 + 500 + 5000


def test_selecting_every_tag_of_a_digest_deletes_it_without_collateral() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg"), layer("l1", 5000)], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1"), Selection("lab", tag="latest")])

    assert plan.ok
    assert [s.action for s in plan.steps] == [StepAction.DELETE]
    assert plan.collateral_tags == ()


def test_a_platform_manifest_another_index_needs_is_kept() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("busybox", tag="latest")])

    assert plan.ok
    assert [s.digest for s in plan.steps] == [d("bb index")]
    kept = {k.digest: k.needed_by for k in plan.kept}
    assert kept == {d("bb amd64"): ("busybox:amd64",), d("bb arm64"): ("busybox:arm64",)}
    assert [b.what for b in plan.freed_blobs] == ["manifest"]


def test_removing_a_tag_whose_manifest_an_index_needs_only_removes_the_tag() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("busybox", tag="amd64")])

    assert plan.ok
    (step,) = plan.steps
    assert step.action is StepAction.UNTAG
    assert "busybox:latest (linux/amd64)" in step.why


def test_deleting_a_digest_a_remaining_index_needs_is_refused() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("lab", digest=d("lab amd64"))], allow_tag_loss=True)

    assert not plan.ok
    assert any("the tag lab:cachetest (linux/amd64) still needs it" in r for r in plan.refusals)


def test_two_indexes_sharing_a_platform_manifest_keep_it_for_the_other() -> None:
    g = GraphBuilder()
    amd = g.image("lab", "amd", [config("amd cfg"), layer("amd layer", 100)], label="linux/amd64")
    arm1 = g.image(
        "lab", "arm1", [config("arm1 cfg"), layer("arm1 layer", 200)], label="linux/arm64"
    )
    arm2 = g.image(
        "lab", "arm2", [config("arm2 cfg"), layer("arm2 layer", 300)], label="linux/arm64"
    )
    g.index("lab", "v1", [amd, arm1], "v1")
    g.index("lab", "v2", [amd, arm2], "v2")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")])

    assert plan.ok
    assert {s.digest for s in plan.steps} == {d("v1"), d("arm1")}
    assert [(k.digest, k.needed_by) for k in plan.kept] == [(d("amd"), ("lab:v2 (linux/amd64)",))]
    assert {b.digest for b in plan.freed_blobs} == {
        d("v1"),
        d("arm1"),
        d("arm1 cfg"),
        d("arm1 layer"),
    }
    assert d("amd layer") not in {b.digest for b in plan.blobs if b.freed}


def test_a_layer_shared_across_repositories_stays() -> None:
    g = GraphBuilder()
    shared = layer("shared", 7000)
    g.image("one", "one", [config("one cfg"), shared], "latest")
    g.image("two", "two", [config("two cfg"), shared], "latest")
    plan = plan_deletion(g.graph, [Selection("one", tag="latest")])

    kept = {b.digest: b.kept_by for b in plan.kept_blobs}
    assert kept == {d("shared"): ("two:latest",)}
    assert plan.freed_bytes == 400 + 500


def test_untagged_revisions_keep_their_blobs_and_can_be_deleted_safely() -> None:
    g = GraphBuilder()
    old_layer = layer("old only", 9000)
    common = layer("common", 4000)
    g.image("lab", "old", [config("old cfg"), old_layer, common])  # untagged, older push
    g.image("lab", "new", [config("new cfg"), common], "latest")

    plan = plan_deletion(g.graph, [Selection("lab", tag="latest")])
    kept = {b.digest: b.kept_by for b in plan.kept_blobs}
    assert list(kept) == [d("common")]
    assert "untagged" in kept[d("common")][0]

    untagged = plan_deletion(g.graph, [Selection("lab", untagged=True)])
    assert untagged.ok
    assert [s.digest for s in untagged.steps] == [d("old")]
    assert untagged.steps[0].removes_tags == ()
    assert {b.digest for b in untagged.freed_blobs} == {d("old"), d("old cfg"), d("old only")}
    assert untagged.remaining_tags[0].tag == "latest"


def test_untagged_cleanup_needs_the_storage_listing() -> None:
    g = GraphBuilder(revisions_known=False)
    g.image("lab", "new", [config("new cfg")], "latest")
    plan = plan_deletion(g.graph, [Selection("lab", untagged=True)])

    assert not plan.ok
    assert "registry container" in plan.refusals[0]


def test_without_the_storage_listing_the_estimate_says_so() -> None:
    g = GraphBuilder(revisions_known=False)
    g.image("lab", "new", [config("new cfg")], "latest")
    plan = plan_deletion(g.graph, [Selection("lab", tag="latest")])

    assert plan.ok
    assert any("untagged manifests were not listed" in w for w in plan.warnings)


def test_tag_only_removal_of_the_last_tag_frees_nothing_and_says_why() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg"), layer("l", 100)], "v1")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1", untag_only=True)])

    assert plan.ok
    (step,) = plan.steps
    assert step.action is StepAction.UNTAG
    assert "untagged revision" in step.why
    assert any("frees no space" in w for w in plan.warnings)


def test_untag_only_is_dropped_when_the_same_manifest_is_deleted_anyway() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "a", "b")
    plan = plan_deletion(
        g.graph, [Selection("lab", tag="a", untag_only=True), Selection("lab", tag="b")]
    )

    assert plan.ok
    assert [(s.action, s.removes_tags) for s in plan.steps] == [(StepAction.DELETE, ("a", "b"))]


def test_unknown_names_and_empty_selections_are_refused() -> None:
    g = lab_graph()
    assert plan_deletion(g.graph, []).refusals == ("nothing selected",)
    plan = plan_deletion(
        g.graph,
        [
            Selection("nope", tag="latest"),
            Selection("lab", tag="missing"),
            Selection("lab", digest=d("nothing")),
        ],
    )
    assert not plan.ok
    assert plan.refusals[0] == "repository nope is not in localhost:5000"
    assert plan.refusals[1] == "lab:missing is not in localhost:5000"
    assert plan.refusals[2].startswith("lab@sha256:")


def test_an_unreadable_tag_in_a_changed_repository_blocks_the_plan() -> None:
    g = lab_graph()
    g.graph.repositories["lab"].unreadable_tags["broken"] = "connection reset"
    plan = plan_deletion(g.graph, [Selection("lab", tag="cachetest")])

    assert not plan.ok
    assert any("lab:broken could not be read" in r for r in plan.refusals)
    # Other repositories are not affected by it.
    assert plan_deletion(g.graph, [Selection("cachedata1", tag="latest")]).ok


def test_an_unreadable_child_is_still_deleted_and_the_estimate_warns() -> None:
    g = GraphBuilder()
    broken = g.add(
        ManifestNode("lab", d("broken"), "", Kind.IMAGE, 0, label="linux/arm64", readable=False)
    )
    amd = g.image("lab", "amd", [config("amd cfg")], label="linux/amd64")
    g.index("lab", "idx", [amd, broken], "v1")
    g.graph.warnings.append("lab@broken could not be read")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")])

    assert plan.ok
    assert d("broken") in {s.digest for s in plan.steps}
    assert "lab@broken could not be read" in plan.warnings


def test_expected_tags_cover_every_tag_of_the_changed_repositories() -> None:
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("cachedata1", tag="latest")])

    assert plan.expected_tags == {"cachedata1": {"latest": d("cache")}}


def test_curl_lines_are_exact() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "v1", "latest")
    g.image("lab", "other", [config("cfg2")], "old")
    plan = plan_deletion(
        g.graph, [Selection("lab", tag="v1"), Selection("lab", tag="old")], nonce="fixed"
    )

    untag, delete = plan.steps
    body = placeholder_manifest("lab", "v1", "fixed").decode()
    assert plan.curl() == [
        "curl -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' "
        f"--data-binary '{body}' http://localhost:5000/v2/lab/manifests/v1",
        f"curl -X DELETE http://localhost:5000/v2/lab/manifests/{untag.digest}",
        f"curl -X DELETE http://localhost:5000/v2/lab/manifests/{d('other')}",
    ]
    assert delete.title == f"delete lab@{d('other')[:19]}"


def test_placeholders_are_unique_empty_oci_indexes() -> None:
    one = placeholder_manifest("lab", "v1", "a")
    two = placeholder_manifest("lab", "v1", "b")
    document = json.loads(one)
    assert document["mediaType"] == OCI_INDEX
    assert document["manifests"] == []
    assert "lab:v1" in document["annotations"]["org.opencontainers.image.description"]
    assert sha256(one) != sha256(two)


def test_removing_only_a_cache_tag_says_its_manifest_stays_untagged_and_offers_rm_untagged() -> (
    None
):
    g = lab_graph()
    plan = plan_deletion(g.graph, [Selection("cachedata1", tag="latest", untag_only=True)])

    assert plan.ok
    assert plan.left_untagged == {"cachedata1": (d("cache"),)}
    assert plan.emptied == ("cachedata1",)
    (untagged_note,) = [w for w in plan.warnings if "untagged revision" in w]
    assert untagged_note.startswith("the manifest of cachedata1:latest stays as an untagged")
    assert "the collector keeps it and every blob it references (it never runs with -m)" in (
        untagged_note
    )
    assert "buildtui rm --untagged cachedata1" in untagged_note
    # The repository keeps no tags either; its untagged manifest must go before its directory.
    (empty_note,) = [w for w in plan.warnings if "keeps no tags" in w]
    assert "registry:2 has no API to delete a repository" in empty_note
    assert "once its untagged manifests are deleted (buildtui rm --untagged cachedata1)" in (
        empty_note
    )
    assert plan.follow_ups == (
        "buildtui rm --untagged cachedata1",
        "buildtui gc --remove-empty-repo cachedata1",
    )


def test_deleting_the_last_tag_of_a_repository_says_it_stays_in_the_catalog() -> None:
    g = lab_graph()
    plan = plan_deletion(
        g.graph, [Selection("cachedata1", tag="latest")], cli="buildtui --registry-container r2"
    )

    assert plan.emptied == ("cachedata1",)
    assert plan.left_untagged == {}
    (note,) = [w for w in plan.warnings if "keeps no tags" in w]
    assert note.startswith(
        "cachedata1 keeps no tags: registry:2 has no API to delete a repository, so "
        "cachedata1 stays in the catalog"
    )
    assert "run buildtui --registry-container r2 gc --remove-empty-repo cachedata1" in note
    assert "once its untagged" not in note
    assert plan.follow_ups == (
        "buildtui --registry-container r2 gc --remove-empty-repo cachedata1",
    )


def test_a_repository_that_keeps_tags_needs_only_the_collection() -> None:
    g = lab_graph()
    g.image("lab", "old", [config("old cfg"), layer("old layer", 10)], "old")
    plan = plan_deletion(g.graph, [Selection("lab", tag="old")])

    assert plan.emptied == () and plan.left_untagged == {}
    assert not [w for w in plan.warnings if "untagged revision" in w or "keeps no tags" in w]
    assert plan.follow_ups == ("buildtui gc",)
    # A tag another tag shares is removed alone: its manifest keeps a tag, nothing is left.
    g.image("lab", "twin", [config("twin cfg")], "a", "b")
    shared = plan_deletion(g.graph, [Selection("lab", tag="a")])
    assert shared.left_untagged == {} and shared.emptied == ()


def test_untagged_manifests_already_there_are_not_blamed_on_the_plan() -> None:
    g = lab_graph()
    g.image("cachedata1", "old cache", [layer("old stage", 10)])  # untagged before
    plan = plan_deletion(g.graph, [Selection("cachedata1", tag="latest")])
    assert plan.left_untagged == {}
    (note,) = [w for w in plan.warnings if "keeps no tags" in w]
    assert "once its untagged manifests are deleted (buildtui rm --untagged cachedata1)" in note


def test_an_index_entry_already_deleted_is_not_deleted_again() -> None:
    # The index lists a platform manifest whose revision is gone (it answers 404): there is
    # nothing to DELETE, and a DELETE of its digest would even remove a layer link in
    # distribution 2.8 if that digest were a blob of the repository.
    g = GraphBuilder()
    amd = g.image("lab", "amd", [config("amd cfg")], label="linux/amd64")
    gone = ManifestNode("lab", d("gone"), "", Kind.IMAGE, 0, label="linux/arm64", readable=False)
    g.index("lab", "idx", [amd, gone], "v1")
    g.repo("lab").manifests[gone.digest] = gone  # read from the index, not a revision

    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")])

    assert plan.ok, plan.refusals
    assert [s.digest for s in plan.steps] == [d("idx"), d("amd")]


def test_deleting_a_damaged_index_announces_its_missing_entry_as_freed() -> None:
    # The entry's revision is gone but its manifest blob stays in storage while the index
    # lists it; the collection frees it with the index, so the plan counts it.
    g = GraphBuilder()
    amd = g.image("lab", "amd", [config("amd cfg")], label="linux/amd64")
    gone = ManifestNode("lab", d("gone"), "", Kind.IMAGE, 321, label="linux/arm64", readable=False)
    g.index("lab", "idx", [amd, gone], "v1")
    g.repo("lab").manifests[gone.digest] = gone

    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")])

    freed = {b.digest: b for b in plan.freed_blobs}
    assert freed[d("gone")].size == 321
    assert freed[d("gone")].what == "manifest"
    assert freed[d("gone")].owners == (f"lab@{d('idx')[:19]}",)


def test_empty_repositories_are_those_with_no_tag_and_no_manifest_in_storage() -> None:
    from buildtui.cleanup.graph import RegistryGraph, RepositoryGraph

    graph = RegistryGraph("localhost:5000", "http://localhost:5000")
    graph.repositories = {
        "gone": RepositoryGraph("gone", revisions=frozenset()),
        "unknown": RepositoryGraph("unknown"),  # storage not read: not known to be empty
        "untagged": RepositoryGraph("untagged", revisions=frozenset({"sha256:1"})),
        "tagged": RepositoryGraph("tagged", tags={"v1": "sha256:2"}, revisions=frozenset()),
        "also-gone": RepositoryGraph("also-gone", revisions=frozenset()),
    }
    assert graph.empty_repositories() == ("also-gone", "gone")
