"""The clean-up's messages with a count take the plural of their language: one and several
tags in English, and Polish's three forms (1 tag, 2 tagi, 5 tagów), made by the plan, the
confirmation, the run's report, the verification and gc's storage check as the user sees
them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from buildtui.cleanup.container import REMOVE_EMPTY_REPO, _busy_reason
from buildtui.cleanup.execute import ExecutionReport
from buildtui.cleanup.graph import TagRef
from buildtui.cleanup.plan import Plan, Selection, plan_deletion
from buildtui.cleanup.present import deletion_warning, plan_lines
from buildtui.cleanup.present_collection import verify_lines
from buildtui.cleanup.verify import TagCheck, VerifyReport
from buildtui.i18n import speaking
from tests.fakes.cleanup import GraphBuilder, config, d, layer


def one_image_with_tags(count: int) -> GraphBuilder:
    """lab:t0 … lab:t{count-1}, all on the same manifest."""
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg"), layer("base", 1000)], *(f"t{i}" for i in range(count)))
    return g


def by_digest(count: int, *, allow_tag_loss: bool) -> Plan:
    """The manifest deleted by digest: every one of its tags goes, none of them named."""
    g = one_image_with_tags(count)
    return plan_deletion(
        g.graph, [Selection("lab", digest=d("app"))], allow_tag_loss=allow_tag_loss
    )


def names(count: int) -> str:
    return ", ".join(f"lab:t{i}" for i in range(count))


@pytest.mark.parametrize(
    ("count", "english"),
    [
        (1, "the deletion also removes the tag lab:t0, which you did not select; select it "
            "too, or allow removing it"),
        (2, f"the deletion also removes 2 tags you did not select: {names(2)}; select them "
            "too, or allow removing them"),
    ],
)  # fmt: skip
def test_a_plan_that_takes_tags_not_named_says_how_many(count: int, english: str) -> None:
    plan = by_digest(count, allow_tag_loss=False)
    assert plan.refusals == (english,)
    assert any(line.endswith(english) for line in plan_lines(plan))


@pytest.mark.parametrize(
    ("count", "polish"),
    [
        (1, "usunięcie usuwa też 1 niewybrany tag: lab:t0; wybierz go również albo pozwól go "
            "usunąć"),
        (2, f"usunięcie usuwa też 2 niewybrane tagi: {names(2)}; wybierz je również albo "
            "pozwól je usunąć"),
        (5, f"usunięcie usuwa też 5 niewybranych tagów: {names(5)}; wybierz je również albo "
            "pozwól je usunąć"),
    ],
)  # fmt: skip
def test_in_polish_the_plan_s_refusal_takes_the_three_forms(count: int, polish: str) -> None:
    with speaking("pl"):
        plan = by_digest(count, allow_tag_loss=False)
    assert plan.refusals == (polish,)


@pytest.mark.parametrize(
    ("count", "english", "polish"),
    [
        (1, "This deletes 1 manifest. It removes the tag lab:t0.",
            "To usuwa 1 manifest. Usuwa też 1 tag: lab:t0."),
        (2, f"This deletes 1 manifest. It removes 2 tags: {names(2)}.",
            f"To usuwa 1 manifest. Usuwa też 2 tagi: {names(2)}."),
        (5, f"This deletes 1 manifest. It removes 5 tags: {names(5)}.",
            f"To usuwa 1 manifest. Usuwa też 5 tagów: {names(5)}."),
    ],
)  # fmt: skip
def test_the_confirmation_counts_the_tags_that_go(count: int, english: str, polish: str) -> None:
    plan = by_digest(count, allow_tag_loss=True)
    assert plan.ok
    assert deletion_warning(plan).startswith(english)
    with speaking("pl"):
        assert deletion_warning(plan).startswith(polish)


def separate_images(count: int) -> Plan:
    """`count` images, one tag each, all selected: a DELETE step each."""
    g = GraphBuilder()
    for i in range(count):
        g.image("lab", f"app{i}", [config(f"cfg{i}")], f"t{i}")
    return plan_deletion(g.graph, [Selection("lab", tag=f"t{i}") for i in range(count)])


@pytest.mark.parametrize(
    ("count", "english", "polish"),
    [
        (1, "done: 1 step on localhost:5000;", "gotowe: 1 krok na localhost:5000;"),
        (2, "done: 2 steps on localhost:5000;", "gotowe: 2 kroki na localhost:5000;"),
        (5, "done: 5 steps on localhost:5000;", "gotowe: 5 kroków na localhost:5000;"),
    ],
)
def test_the_run_s_report_counts_its_steps(count: int, english: str, polish: str) -> None:
    plan = separate_images(count)
    assert len(plan.steps) == count
    report = ExecutionReport(plan, done=list(plan.steps))
    assert report.summary().startswith(english)
    with speaking("pl"):
        assert report.summary().startswith(polish)


def verified(count: int) -> VerifyReport:
    """`count` remaining tags, each complete (3 objects answered)."""
    checks = tuple(
        TagCheck(TagRef("lab", f"t{i}", d(f"m{i}")), d(f"m{i}"), 3) for i in range(count)
    )
    return VerifyReport("localhost:5000", checks, 3 * count)


@pytest.mark.parametrize(
    ("count", "english", "polish"),
    [
        (1, "OK: 1 remaining tag on localhost:5000 is complete: 3 manifests and blobs "
            "answered 200",
            "OK: 1 pozostały tag w localhost:5000 jest kompletny: manifesty i bloby (3) "
            "odpowiedziały 200"),
        (2, "OK: all 2 remaining tags on localhost:5000 are complete: 6 manifests and blobs "
            "answered 200",
            "OK: wszystkie 2 pozostałe tagi w localhost:5000 są kompletne: manifesty i bloby "
            "(6) odpowiedziały 200"),
        (5, "OK: all 5 remaining tags on localhost:5000 are complete: 15 manifests and blobs "
            "answered 200",
            "OK: 5 pozostałych tagów w localhost:5000 jest kompletnych: manifesty i bloby (15) "
            "odpowiedziały 200"),
    ],
)  # fmt: skip
def test_the_verification_counts_the_remaining_tags(count: int, english: str, polish: str) -> None:
    report = verified(count)
    assert verify_lines(report) == [english]
    with speaking("pl"):
        assert verify_lines(report) == [polish]


def storage_check(root: Path, name: str) -> tuple[int, str]:
    """REMOVE_EMPTY_REPO run here in check mode, as in the registry's container: its
    exit status and last line."""
    done = subprocess.run(
        ["sh", "-c", REMOVE_EMPTY_REPO, "sh", str(root), name, "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout.strip().splitlines()[-1]


def stored(root: Path, name: str, tags: int, revisions: int) -> None:
    manifests = root / "docker/registry/v2/repositories" / name / "_manifests"
    for i in range(tags):
        (manifests / "tags" / f"t{i}" / "current").mkdir(parents=True)
    for i in range(revisions):
        folder = manifests / "revisions/sha256" / f"{i:064x}"
        folder.mkdir(parents=True)
        (folder / "link").write_text(f"sha256:{i:064x}")


@pytest.mark.parametrize(
    ("tags", "revisions", "english", "polish"),
    [
        (1, 1, "it still holds 1 tag: t0 (delete it first with `buildtui rm`, then "
               "`buildtui rm --untagged lab`)",
               "nadal zawiera 1 tag: t0 (najpierw go usuń poleceniem `buildtui rm`, potem "
               "`buildtui rm --untagged lab`)"),
        (7, 7, "it still holds 7 tags: t0, t1, t2, t3, t4, … (delete them first with "
               "`buildtui rm`, then `buildtui rm --untagged lab`)",
               "nadal zawiera 7 tagów: t0, t1, t2, t3, t4, … (najpierw je usuń poleceniem "
               "`buildtui rm`, potem `buildtui rm --untagged lab`)"),
        (0, 1, "it still holds 1 untagged manifest revision (delete it first: "
               "`buildtui rm --untagged lab`)",
               "nadal zawiera 1 rewizję manifestu bez tagu (najpierw ją usuń: "
               "`buildtui rm --untagged lab`)"),
        (0, 2, "it still holds 2 untagged manifest revisions (delete them first: "
               "`buildtui rm --untagged lab`)",
               "nadal zawiera 2 rewizje manifestów bez tagu (najpierw je usuń: "
               "`buildtui rm --untagged lab`)"),
    ],
)  # fmt: skip
def test_a_repository_kept_by_gc_says_what_it_still_holds(
    tmp_path: Path, tags: int, revisions: int, english: str, polish: str
) -> None:
    stored(tmp_path, "lab", tags, revisions)
    status, line = storage_check(tmp_path, "lab")
    assert (status, line.split()[:3]) == (4, ["busy", str(tags), str(revisions)])
    assert _busy_reason(line, "lab") == english
    with speaking("pl"):
        assert _busy_reason(line, "lab") == polish


def test_an_unexpected_line_from_the_storage_check_is_shown_as_it_is() -> None:
    assert _busy_reason("busy: tag(s) v1 / 2 revision(s)", "lab") == (
        "the removal failed: busy: tag(s) v1 / 2 revision(s)"
    )
