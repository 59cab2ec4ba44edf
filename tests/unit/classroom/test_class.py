"""The class as the instructor reads it: progress, copies flagged on both, every kind of
bad submission as a row with its problem, the cited digests asked of the lab registry."""

from __future__ import annotations

import json
from pathlib import Path

from buildtui.classroom.bundle import BUILDS, DIGESTS, MARKDOWN, SUMMARY
from buildtui.classroom.checks import when
from buildtui.classroom.present import (
    class_json,
    class_lines,
    numbers_text,
    row_cells,
    row_details,
    submit_lines,
)
from buildtui.classroom.service import ClassRow
from buildtui.i18n import speaking, translator
from tests.fakes.classroom import (
    class_registry,
    class_service,
    copied_lab,
    push_raw,
    read_class,
    student_lab,
    submit,
    submitted_layers,
)
from tests.fakes.english_left import untranslated
from tests.fakes.registry import FakeRegistry, digest_of


def test_item_numbers_are_written_with_ranges() -> None:
    assert numbers_text([2, 5, 7, 9]) == "2, 5, 7, 9"
    assert numbers_text([1, 2, 3, 4, 5, 6, 7, 8, 9]) == "1-9"
    assert numbers_text([2, 4, 5, 6, 7, 8, 9]) == "2, 4-9"
    assert numbers_text([8, 9]) == "8, 9"
    assert numbers_text([]) == ""


def rows_by_tag(rows: tuple[ClassRow, ...]) -> dict[str, ClassRow]:
    return {row.tag: row for row in rows}


def test_progress_and_the_items_not_done(tmp_path: Path) -> None:
    registry = class_registry()
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    submit(student_lab(tmp_path / "ola", second_build=False, at=150.0), registry, "Ola Nowak")
    listing, seen = read_class(class_service(registry))
    rows = rows_by_tag(listing.rows)
    jan, ola = rows["jan-kowalski"], rows["ola-nowak"]
    assert jan.submission.summary is not None and ola.submission.summary is not None
    assert (jan.submission.summary.done, jan.submission.summary.total) == (5, 9)
    assert [i.number for i in jan.submission.summary.not_done] == [2, 5, 7, 9]
    cells = row_cells(jan, str)
    assert (cells.student, cells.progress, cells.not_done) == ("Jan Kowalski", "5/9", "2, 5, 7, 9")
    assert cells.submitted == when(4_000.0)[5:16].replace("T", " ")
    assert not jan.shared and not ola.shared
    assert jan.disagreements == ()
    # Each row was handed over as it was read, then again once its digests were checked.
    assert [row.tag for row in seen if row.served is None] != []
    assert {row.tag for row in seen if row.served is not None} == {"jan-kowalski", "ola-nowak"}
    assert class_lines(listing.rows, str)[0].startswith("Student")


def test_a_copied_data_dir_is_flagged_on_both(tmp_path: Path) -> None:
    registry = class_registry()
    jan = student_lab(tmp_path / "jan")
    submit(jan, registry, "Jan Kowalski")
    submit(copied_lab(tmp_path / "jan", tmp_path / "piotr"), registry, "Piotr Zieliński")
    submit(student_lab(tmp_path / "ola", at=130.0), registry, "Ola Nowak")
    listing, _seen = read_class(class_service(registry))
    rows = rows_by_tag(listing.rows)
    copied = rows["piotr-zielinski"].shared
    assert [s.build.id for s in copied] == [1, 2]
    assert all(s.others == ("jan-kowalski",) for s in copied)
    assert [s.others for s in rows["jan-kowalski"].shared] == [("piotr-zielinski",)] * 2
    # Ola's builds pushed the same digests (the same captured logs) with the same ids,
    # but started at her own times: her evidence is her own.
    assert rows["ola-nowak"].shared == ()
    cell = row_cells(rows["jan-kowalski"], str)
    assert cell.level == "error" and "copied? same builds as piotr-zielinski" in cell.evidence
    details = "\n".join(row_details(rows["piotr-zielinski"], "c/l", "buildtui", str))
    assert "Build 1 (started " in details and "also in the submission of jan-kowalski" in details
    body = class_json(listing.rows, "class.test:5000/lab7", None)
    piotr = next(s for s in body["submissions"] if s["tag"] == "piotr-zielinski")
    assert piotr["shared_builds"][0]["with"] == ["jan-kowalski"]


def test_bad_submissions_are_rows_with_their_problem(tmp_path: Path) -> None:
    registry = class_registry()
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    good = submitted_layers(registry, "jan-kowalski")

    def swapped(kind: str, data: bytes) -> list[tuple[str, str, bytes]]:
        return [(n, k, data if k == kind else d) for n, k, d in good]

    push_raw(registry, "broken-json", swapped(BUILDS, b'{"format": "buildtui lab7 builds", '))
    push_raw(registry, "nan", swapped(SUMMARY, b'{"progress": NaN}'))
    wrong = json.loads(next(d for _n, k, d in good if k == BUILDS))
    wrong["builds"][0]["started"] = "yesterday"
    push_raw(registry, "bad-time", swapped(BUILDS, json.dumps(wrong).encode()))
    push_raw(
        registry,
        "oversized",
        good,
        sizes={"lab7-report.md": 5 * 1024 * 1024},
    )
    push_raw(registry, "not-ours", good, artifact_type="application/vnd.example.sbom.v1")
    push_raw(registry, "missing", [f for f in good if f[1] != MARKDOWN])
    registry.push_image("lab7", "an-image", "linux/amd64", (b"layer",))
    lying = push_raw(registry, "lying", good, sizes={"builds.json": 10})
    listing, _seen = read_class(class_service(registry))
    rows = rows_by_tag(listing.rows)
    assert rows["jan-kowalski"].submission.problem is None
    problems = {tag: row.submission.problem for tag, row in rows.items()}
    assert problems["broken-json"] == (
        "builds.json is not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 36 (char 35))"
    )
    assert problems["nan"] == "submission.json is not valid JSON (NaN is not a number JSON allows)"
    assert (
        problems["bad-time"]
        == "builds.json.builds[0].started is not a time in ISO 8601 with its zone"
    )
    assert problems["oversized"] == (
        "its lab7-report.md is 5,242,880 bytes, above the 4 MiB (4,194,304 bytes) it may have"
    )
    assert (
        problems["not-ours"]
        == "it is not a lab submission (its artifactType is 'application/vnd.example.sbom.v1')"
    )
    assert problems["missing"] == "it does not hold exactly one lab7-report.md"
    assert problems["an-image"] == "it is not a lab submission (its artifactType is none)"
    assert problems["lying"] == "its builds.json does not have the 10 bytes its manifest says"
    assert rows["lying"].submission.digest == lying
    # The oversized file was never asked for: its size was refused from the manifest.
    big = next(d for n, _k, d in good if n == "lab7-report.md")
    asked = [r.url.path for r in registry.requests if r.method == "GET"]
    assert sum(path.endswith(digest_of(big)) for path in asked) == 0
    cell = row_cells(rows["oversized"], str)
    assert cell.level == "error" and cell.evidence.startswith("Refused: its lab7-report.md is")


def test_an_oversized_manifest_is_refused(tmp_path: Path) -> None:
    registry = class_registry()
    registry.put_manifest(
        "lab7",
        b"{" + b" " * (70 * 1024) + b"}",
        "application/vnd.oci.image.manifest.v1+json",
        "huge",
    )
    listing, _seen = read_class(class_service(registry))
    assert (
        listing.rows[0].submission.problem == "its manifest is above the 64 KiB a manifest may have"
    )


def lab_registry_named(registry: FakeRegistry, tag: str, lab: FakeRegistry) -> dict[str, str]:
    """Jan's submission again under `tag`, its digests said to be on `lab`: one served,
    one deleted as its records say, one gone; (kind -> digest)."""
    good = submitted_layers(registry, "jan-kowalski")
    served = lab.push_image("lab", "cachetest", "linux/amd64", (b"lab layer",))["digest"]
    gone, deleted = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    digests = {
        "format": "buildtui lab7 digests",
        "version": 1,
        "digests": [
            {"registry": lab.host, "repository": "lab", "digest": served, "kind": "manifest",
             "cited_by": ["item 4"], "deleted_by": None},
            {"registry": lab.host, "repository": "lab", "digest": gone, "kind": "manifest",
             "cited_by": ["build 2"], "deleted_by": None},
            {"registry": lab.host, "repository": "cachedata1", "digest": deleted,
             "kind": "manifest", "cited_by": ["cache-size-1"], "deleted_by": "deletion-1"},
        ],
    }  # fmt: skip
    layers = [(n, k, json.dumps(digests).encode() if k == DIGESTS else d) for n, k, d in good]
    push_raw(registry, tag, layers, annotations={"io.buildtui.lab7.student": "Jan Kowalski"})
    return {"served": served, "gone": gone, "deleted": deleted}


def test_cited_digests_are_asked_of_a_lab_registry_the_instructor_reaches(tmp_path: Path) -> None:
    registry, lab = class_registry(), FakeRegistry(host="lab.test:5000")
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    digests = lab_registry_named(registry, "reachable", lab)
    lab_registry_named(registry, "unreachable", FakeRegistry(host="down.test:5000"))
    listing, _seen = read_class(class_service(registry, lab))
    rows = rows_by_tag(listing.rows)
    checked = rows["reachable"].served
    assert checked is not None
    assert (checked.served, checked.deleted, checked.unknown) == (1, 1, 0)
    assert [g.digest for g in checked.gone] == [digests["gone"]]
    details = "\n".join(row_details(rows["reachable"], "c/l", "buildtui", str))
    assert f"lab.test:5000/lab@{digests['gone']} (manifest, cited by build 2) is gone" in details
    down = rows["unreachable"].served
    assert down is not None and down.gone == () and down.served == 0 and down.unknown == 3
    assert down.not_reachable is not None
    assert down.not_reachable.startswith("Its lab registry down.test:5000 is not reachable")
    assert "not reachable" in row_cells(rows["unreachable"], str).evidence
    # The student's own machine's registry (localhost) is never asked from here.
    local = rows["jan-kowalski"].served
    assert local is not None and local.gone == () and local.not_reachable is not None
    assert "on the student's own machine" in local.not_reachable
    assert not any(r.url.host == "localhost" for r in lab.requests)


def test_parts_that_disagree_are_said(tmp_path: Path) -> None:
    registry = class_registry()
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    good = submitted_layers(registry, "jan-kowalski")
    summary = json.loads(next(d for _n, k, d in good if k == SUMMARY))
    pushed = next(i for i in summary["items"] if i["key"] == "pushed")
    pushed["builds"] = [2, 99]
    pushed["digests"] = [{"ref": "localhost:5000/lab:cachetest", "digest": "sha256:" + "3" * 64}]
    layers = [(n, k, json.dumps(summary).encode() if k == SUMMARY else d) for n, k, d in good]
    push_raw(
        registry,
        "tampered",
        layers,
        annotations={
            "io.buildtui.lab7.student": "Jan Kowalski",
            "io.buildtui.lab7.progress": "9/9",
        },
    )
    listing, _seen = read_class(class_service(registry))
    found = rows_by_tag(listing.rows)["tampered"].disagreements
    assert found == (
        "It is tagged tampered, but says it was submitted as jan-kowalski.",
        "Its manifest says 9/9 done, its items 5/9.",
        "Item 4 rests on build 99, which the submission does not hold.",
        f"Item 4 cites sha256:{'3' * 64}, which none of its builds pushed.",
    )


def test_a_build_imported_from_another_student_is_flagged_on_both(tmp_path: Path) -> None:
    """`history export` on one machine, `history import` on another: a new id there, but
    the same start and pushed digests."""
    registry = class_registry()
    jan = student_lab(tmp_path / "jan")
    submit(jan, registry, "Jan Kowalski")
    ola = student_lab(tmp_path / "ola", at=130.0)
    theirs = jan.history.list()[0]  # Jan's second build
    ola.history.add(
        started=theirs.started,
        argv=theirs.argv,
        command=theirs.command,
        summary=theirs.summary,
        log_lines=jan.history.get(theirs.id).log.splitlines(),
        source="export",
        imported_at=3_000.0,
        origin="jan-build-2.json (build 2)",
    )
    submit(ola, registry, "Ola Nowak")
    listing, _seen = read_class(class_service(registry))
    rows = rows_by_tag(listing.rows)
    [shared] = rows["ola-nowak"].shared
    assert (shared.build.id, shared.others) == (3, ("jan-kowalski",))  # a new id there
    assert shared.build.imported == "jan-build-2.json (build 2)"
    assert [s.others for s in rows["jan-kowalski"].shared] == [("ola-nowak",)]
    details = "\n".join(row_details(rows["ola-nowak"], "c/l", "buildtui", str))
    assert "Build 3 was imported (jan-build-2.json (build 2)): it did not run on" in details


def test_a_listing_reads_a_bounded_amount_in_all(tmp_path: Path) -> None:
    """A class of submissions at their caps would take gigabytes: once the listing's
    budget is spent, the rest are rows that say so (and `class get` still saves them)."""
    import asyncio

    from buildtui.classroom.remote import read_class as read_tags

    registry = class_registry()
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    submit(student_lab(tmp_path / "ola", at=130.0), registry, "Ola Nowak")
    one = sum(len(d) for n, k, d in submitted_layers(registry, "jan-kowalski")
              if k in (SUMMARY, BUILDS, DIGESTS) or n == "lab-records.json")  # fmt: skip
    service = class_service(registry)

    async def main() -> list[str | None]:
        try:
            read = await service.registry.call(
                lambda client: read_tags(client, "lab7", readers=1, budget=one + 10)
            )
        finally:
            await service.aclose()
        return [s.problem for s in read.submissions]

    first, second = asyncio.run(main())
    assert first is None
    assert second is not None and second.startswith("not read: this listing has read nearly ")


def test_a_report_is_shown_as_its_lines_within_bounds() -> None:
    from buildtui.classroom.present import LINE_MAX, REPORT_LINES, report_text

    long_line = "x" * 10_000
    shown = report_text(f"# Title\n{long_line}\n", str).plain.splitlines()
    assert shown[0] == "# Title" and shown[1] == "x" * LINE_MAX + "…"
    many = report_text("line\n" * (REPORT_LINES + 5), str).plain.splitlines()
    assert len(many) == REPORT_LINES + 1
    assert many[-1] == (
        "The report has 5,005 lines; the first 5,000 are shown. `class get` saves it whole."
    )
    bell = report_text("ring\x07 [b]bold[/b]\n", str)
    assert bell.plain == "ring\\x07 [b]bold[/b]\n" and not bell.spans


def test_the_class_and_a_submission_s_lines_speak_polish(tmp_path: Path) -> None:
    registry = class_registry()
    result = submit(student_lab(tmp_path / "jan"), registry, "Łukasz Żółć")
    with speaking("pl"):
        listing, _seen = read_class(class_service(registry))
        [row] = listing.rows
        cells = row_cells(row, translator("pl"))
        lines = submit_lines(result, translator("pl"))
        table = class_lines(listing.rows, translator("pl"))
    english = when(4_000.0)[5:16].replace("T", " ")  # 01-01 01:06
    assert cells.submitted == f"{int(english[3:5])}.{english[:2]}{english[5:]}"
    assert lines[-1].startswith("Postęp: 5/9; plików: 6, ") and lines[-1].endswith(").")
    assert "," in lines[-1].split("plików: 6, ")[1].split(" ")[0]  # the size's decimal comma
    assert table[0].startswith("Student") and "Zrobione" in table[0]
    assert untranslated("\n".join([*lines, *table])) == []
