"""A submission as one OCI artifact: its files, media types, annotations, caps, and what
never leaves the machine (a `--build-arg` value)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.builds.evidence import BuildEvidence
from buildtui.classroom.bundle import (
    ARTIFACT_TYPE,
    CAPS,
    DOCKERFILE,
    MARKDOWN,
    REQUIRED,
    make_bundle,
)
from buildtui.classroom.collect import collect_evidence
from buildtui.classroom.names import tag_for
from buildtui.classroom.remote import SubmitError
from buildtui.registry.client import compute_digest
from buildtui.registry.models import OCI_EMPTY, OCI_MANIFEST
from tests.fakes.build import captured_log
from tests.fakes.classroom import (
    class_registry,
    student_lab,
    submit,
    submitted_layers,
    summary_of,
)
from tests.fakes.lab import LAB_ARGV, as_pushed_to_fake
from tests.fakes.registry import FakeRegistry


def manifest_of(registry: FakeRegistry, tag: str) -> dict[str, object]:
    raw, media_type = registry.manifests["lab7"][registry.tags["lab7"][tag]]
    assert media_type == OCI_MANIFEST
    document: dict[str, object] = json.loads(raw)
    return document


def test_a_submission_is_one_artifact_with_the_lab_s_files(tmp_path: Path) -> None:
    registry = class_registry()
    result = submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    assert result.reference == "class.test:5000/lab7:jan-kowalski"
    assert result.student.mapped and result.student.tag == "jan-kowalski"
    manifest = manifest_of(registry, "jan-kowalski")
    assert manifest["artifactType"] == ARTIFACT_TYPE
    assert manifest["config"] == {
        "mediaType": OCI_EMPTY,
        "digest": compute_digest(b"{}"),
        "size": 2,
    }
    annotations = manifest["annotations"]
    assert isinstance(annotations, dict)
    assert annotations["io.buildtui.lab7.student"] == "Jan Kowalski"
    assert annotations["org.opencontainers.image.title"] == "Laboratory 7: Jan Kowalski"
    assert annotations["org.opencontainers.image.created"].startswith("1970-01-01T")
    assert annotations["io.buildtui.lab7.progress"] == result.bundle.progress
    names = {name: kind for name, kind, _data in submitted_layers(registry, "jan-kowalski")}
    assert {kind: names[name] for kind, name in REQUIRED.items()} == {k: k for k in REQUIRED}
    files = dict((n, d) for n, _k, d in submitted_layers(registry, "jan-kowalski"))
    assert files["lab7-report.md"].startswith(b"# Laboratory 7: report")
    assert b"Student: Jan Kowalski" in files["lab7-report.md"]
    assert files["lab7-report.html"].startswith(b"<!DOCTYPE html>")
    records = json.loads(files["lab-records.json"])
    assert (records["format"], records["version"]) == ("buildtui lab records", 2)
    builds = json.loads(files["builds.json"])["builds"]
    assert [b["id"] for b in builds] == [1, 2] and builds[0]["summary"]["total"] > 0
    cited = json.loads(files["digests.json"])["digests"]
    pushed = builds[1]["summary"]["pushed"][-1]["digest"]
    assert any(c["digest"] == pushed and "build 2" in c["cited_by"] for c in cited)
    summary = summary_of(registry, "jan-kowalski")
    done, total = result.bundle.progress.split("/")
    assert summary["progress"] == {"done": int(done), "total": int(total)} and total == "9"
    assert summary["lab_registry"]["host"] == "localhost:5000"


def test_no_build_argument_value_leaves_the_machine(tmp_path: Path) -> None:
    lab = student_lab(tmp_path / "jan")
    assert "TOKEN=secret-value" in LAB_ARGV
    # The history keeps the value beside it, for `r` (and gives it back with the entry).
    assert "secret-value" in lab.history.values_path.read_text()
    assert any("TOKEN=secret-value" in b.argv for b in lab.history.list())
    registry = class_registry()
    submit(lab, registry, "Jan Kowalski")
    sent = list(registry.blobs.values()) + [
        raw for manifests in registry.manifests.values() for raw, _ in manifests.values()
    ]
    assert sent and not any(b"secret-value" in data for data in sent)
    files = dict((n, d) for n, _k, d in submitted_layers(registry, "jan-kowalski"))
    commands = [b["command"] for b in json.loads(files["builds.json"])["builds"]]
    assert all("--build-arg TOKEN=…" in command for command in commands)
    assert "build-args" not in " ".join(files)


def test_the_dockerfiles_of_the_cited_builds_are_handed_in(tmp_path: Path) -> None:
    lab = student_lab(tmp_path / "jan", second_build=False)
    lines = as_pushed_to_fake(captured_log("lab-second-build.log"))
    model = BuildModel()
    model.feed(lines)
    model.finish()
    dockerfile = "FROM busybox AS build1\nRUN echo hi\n"
    lab.history.add(
        started=200.0,
        argv=LAB_ARGV,
        command="docker buildx build",
        summary=summarize(model, exit_code=0, wall_seconds=3.0),
        log_lines=lines,
        evidence=BuildEvidence(
            context=str(tmp_path),
            dockerfile=str(tmp_path / "../weird name/Dockerfile_multi"),
            dockerfile_text=dockerfile,
            context_hashes={},
            build_args={"TOKEN": "keyed-hash"},
        ),
    )
    registry = class_registry()
    submit(lab, registry, "Jan Kowalski")
    layers = submitted_layers(registry, "jan-kowalski")
    found = [(name, data) for name, kind, data in layers if kind == DOCKERFILE]
    assert found == [("Dockerfile_multi", dockerfile.encode())]
    assert not any(b"keyed-hash" in data for _n, _k, data in layers)


def test_re_submitting_replaces_the_tag_and_lists_the_earlier_one(tmp_path: Path) -> None:
    lab = student_lab(tmp_path / "jan")
    registry = class_registry()
    first = submit(lab, registry, "Jan Kowalski", now=4_000.0)
    second = submit(lab, registry, "jan  kowalski", now=4_100.0)
    assert second.digest != first.digest
    assert registry.tags["lab7"]["jan-kowalski"] == second.digest
    assert first.digest in registry.manifests["lab7"]  # still there, by digest
    assert [e.digest for e in second.earlier] == [first.digest]
    annotations = manifest_of(registry, "jan-kowalski")["annotations"]
    assert isinstance(annotations, dict)
    assert annotations["io.buildtui.lab7.previous"] == first.digest
    third = submit(lab, registry, "Jan Kowalski", now=4_200.0)
    assert [e.digest for e in third.earlier] == [second.digest, first.digest]
    earlier = summary_of(registry, "jan-kowalski")["earlier"]
    assert [e["digest"] for e in earlier] == [second.digest, first.digest]
    assert earlier[0]["created"].startswith("1970-01-01T")


def test_another_student_s_tag_is_not_taken_without_replace(tmp_path: Path) -> None:
    registry = class_registry()
    submit(student_lab(tmp_path / "a"), registry, "Jan Kowalski")
    other = student_lab(tmp_path / "b")
    with pytest.raises(SubmitError, match="holds the submission of 'Jan Kowalski', not yours"):
        submit(other, registry, "Jan Kowalski!")
    taken = submit(other, registry, "Jan Kowalski!", replace=True)
    assert taken.replaced_other == "the submission of 'Jan Kowalski'"
    assert taken.earlier == ()


def test_a_tag_holding_something_else_is_not_overwritten(tmp_path: Path) -> None:
    registry = class_registry()
    registry.push_image("lab7", "jan-kowalski", "linux/amd64", (b"an image",))
    with pytest.raises(SubmitError, match="not a lab submission"):
        submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")


def test_a_file_above_its_cap_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    lab = student_lab(tmp_path / "jan")
    evidence = collect_evidence(lab, lab.observe(), tag_for("Jan"), "en", 4_000.0)
    huge = replace(evidence, report_md="x" * (CAPS[MARKDOWN] + 1))
    problem = make_bundle(huge).too_large()
    assert problem == (
        "lab7-report.md is 4,194,305 bytes, above the 4 MiB (4,194,304 bytes) it may have"
    )
