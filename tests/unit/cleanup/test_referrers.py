"""Referrers found without a referrers API: by the OCI subject field and by the tag schema;
orphans; what a plan that deletes their subject says and offers."""

from __future__ import annotations

from buildtui.cleanup.graph import BlobRef, ManifestNode
from buildtui.cleanup.plan import Selection, plan_deletion
from buildtui.cleanup.referrers import find_referrers, tag_subject
from buildtui.cleanup.space import space_report
from buildtui.registry.models import OCI_EMPTY, OCI_MANIFEST, Kind
from tests.fakes.cleanup import GraphBuilder, config, d, layer

SIGNATURE = "application/vnd.dev.cosign.simplesigning.v1+json"
SPDX = "application/spdx+json"


def artifact(
    g: GraphBuilder, repository: str, name: str, subject: str, media_type: str, *tags: str
) -> ManifestNode:
    node = ManifestNode(
        repository,
        d(name),
        OCI_MANIFEST,
        Kind.ARTIFACT,
        350,
        blobs=(BlobRef(d("{}"), 2, OCI_EMPTY), BlobRef(d(f"{name} body"), 900, media_type)),
        subject=subject,
        artifact_type=media_type,
    )
    return g.add(node, *tags)


def signed_app() -> tuple[GraphBuilder, ManifestNode]:
    g = GraphBuilder()
    v1 = g.image("app", "v1", [config("v1 cfg"), layer("v1 layer", 5_000)], "v1")
    g.image("app", "v2", [config("v2 cfg"), layer("v2 layer", 6_000)], "v2")
    sig_tag = v1.digest.replace(":", "-") + ".sig"
    artifact(g, "app", "v1 signature", v1.digest, SIGNATURE, sig_tag)
    artifact(g, "app", "v1 sbom", v1.digest, SPDX)  # pushed by digest, untagged
    return g, v1


def test_the_tag_schema_is_read_whole() -> None:
    hexpart = "ab" * 32
    assert tag_subject(f"sha256-{hexpart}") == (f"sha256:{hexpart}", "referrers index")
    assert tag_subject(f"sha256-{hexpart}.sig") == (f"sha256:{hexpart}", "signature")
    assert tag_subject(f"sha256-{hexpart}.sbom") == (f"sha256:{hexpart}", "SBOM")
    assert tag_subject(f"sha256-{hexpart}.att") == (f"sha256:{hexpart}", "attestation")
    assert tag_subject(f"sha256-{hexpart[:-1]}") is None
    assert tag_subject(f"xsha256-{hexpart}") is None
    assert tag_subject("latest") is None


def test_referrers_are_found_by_subject_with_what_they_are() -> None:
    g, v1 = signed_app()
    found = {r.what: r for r in find_referrers(g.graph)}

    assert set(found) == {"signature", "SBOM"}
    assert found["signature"].subject == v1.digest
    assert found["signature"].tags == (v1.digest.replace(":", "-") + ".sig",)
    assert found["SBOM"].tags == () and found["SBOM"].found_by == "subject field"
    assert not any(r.orphaned for r in found.values())


def test_a_referrer_whose_subject_is_gone_is_an_orphan_listed_as_freeable() -> None:
    g = GraphBuilder()
    g.image("app", "v1", [config("v1 cfg"), layer("v1 layer", 5_000)], "v1")
    gone = d("a manifest deleted long ago")
    # cosign's tag schema alone (no subject field in the manifest)
    g.image(
        "app",
        "old signature",
        [BlobRef(d("sig cfg"), 100, "application/vnd.oci.image.config.v1+json"),
         BlobRef(d("sig"), 800, SIGNATURE)],
        gone.replace(":", "-") + ".sig",
    )  # fmt: skip
    artifact(g, "app", "old sbom", gone, SPDX)

    referrers = find_referrers(g.graph)
    assert {r.found_by for r in referrers} == {"tag schema", "subject field"}
    assert all(r.orphaned for r in referrers)
    report = space_report(g.graph)
    orphans = [row for row in report.rows if row.kind == "orphaned referrer"]
    assert {row.key for row in orphans} == {
        f"app:{gone.replace(':', '-')}.sig",
        f"app@{d('old sbom')}",
    }
    assert all(row.frees > 0 and "(gone)" in row.subject for row in orphans)


def test_deleting_a_subject_offers_its_referrers() -> None:
    g, v1 = signed_app()
    plan = plan_deletion(g.graph, [g_selection("app", "v1")])

    assert {r.what for r in plan.orphans} == {"signature", "SBOM"}
    note = next(w for w in plan.warnings if "would be left orphaned" in w)
    assert note.startswith("2 referrers of app:v1 would be left orphaned by this deletion")
    assert f"rm app:{v1.digest.replace(':', '-')}.sig app@{d('v1 sbom')}" in note
    offered = plan.referrer_selections
    assert {str(s) for s in offered} == {
        f"app:{v1.digest.replace(':', '-')}.sig",
        f"app@{d('v1 sbom')}",
    }
    with_them = plan_deletion(g.graph, [g_selection("app", "v1"), *offered])
    assert with_them.ok and not with_them.orphans
    assert with_them.reclaimed_bytes == plan.reclaimed_bytes + 2 * 350 + 2 * 900 + 2


def test_a_plan_that_keeps_the_subject_offers_nothing() -> None:
    g, _ = signed_app()
    plan = plan_deletion(g.graph, [g_selection("app", "v2")])
    assert plan.orphans == ()


def test_referrer_rows_show_their_subject() -> None:
    g, _ = signed_app()
    report = space_report(g.graph)
    rows = [row for row in report.rows if row.kind == "referrer"]
    assert {row.subject for row in rows} == {"signature of app:v1", "SBOM of app:v1"}


def g_selection(repository: str, tag: str) -> Selection:
    return Selection(repository, tag=tag)
