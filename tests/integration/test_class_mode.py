"""Class mode against real registries: students hand the lab in with `buildtui lab submit`
(their own data dirs, a real build on the engine), the instructor reads the class with
`buildtui class ls` and `class get`.

The class's registry is distribution's registry binary (as in registry:2) on a free port;
one with htpasswd needs a login (docker's config.json). A lab registry the instructor's
machine reaches listens on the docker bridge's address (not loopback).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui.classroom.bundle import (
    ARTIFACT_TYPE,
    DIGESTS,
    EMPTY_CONFIG,
    SUMMARY,
    TITLE,
)
from buildtui.registry.models import OCI_EMPTY, OCI_MANIFEST
from tests.integration.lab import TestRegistry, unique
from tests.integration.registry_fixtures import (
    LocalRegistry,
    Pusher,
    auth_registry,
    local_registry,
    sha256,
    start_local_registry,
)

__all__ = ["auth_registry", "local_registry"]


def buildtui(
    home: Path, *args: str, registry: TestRegistry | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`buildtui ARGS` as a user whose config, data and state are under `home`."""
    flags = []
    if registry is not None:
        flags = [
            "--registry",
            f"http://{registry.host}",
            "--registry-container",
            registry.container,
        ]
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BUILDTUI_")},
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *flags, *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=environ,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@pytest.fixture
def jan(registry: TestRegistry, base_image: str, tmp_path: Path) -> Path:
    """A student's home after one real build of the lab's kind, pushed to the lab registry."""
    home = tmp_path / "jan"
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM {base_image}\nARG TOKEN\nRUN echo {unique('class')} > /note\n", encoding="utf-8"
    )
    ref = registry.ref(unique("class-lab"), "cachetest")
    ok(
        buildtui(
            home, "build", "--", "--platform", "linux/amd64", "--build-arg",
            "TOKEN=secret-value", "-t", ref, "--push", str(context), registry=registry,
        )
    )  # fmt: skip
    return home


def submit(home: Path, registry: TestRegistry, to: str, student: str, *more: str) -> dict[str, Any]:
    out = ok(buildtui(home, "lab", "submit", "--to", to, "--student", student, "--json", *more,
                      registry=registry))  # fmt: skip
    document: dict[str, Any] = json.loads(out)
    return document


def class_ls(home: Path, ref: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = ok(buildtui(home, "class", "ls", ref, "--json", env=env))
    return {s["tag"]: s for s in json.loads(out)["submissions"]}


def test_two_students_one_copied_then_a_resubmission(
    jan: Path, registry: TestRegistry, local_registry: LocalRegistry, tmp_path: Path
) -> None:
    to = f"{local_registry.host}/lab7"
    first = submit(jan, registry, to, "Jan Kowalski")
    assert first["tag"] == "jan-kowalski" and first["mapped"] is True
    # Piotr hands in a copy of Jan's data dir under his own name.
    piotr = tmp_path / "piotr"
    shutil.copytree(jan / "data", piotr / "data")
    copied = submit(piotr, registry, to, "Piotr Zieliński")
    assert copied["tag"] == "piotr-zielinski"
    # What left the machines: never the --build-arg value the history keeps beside it.
    assert "secret-value" in (jan / "data" / "buildtui" / "builds.build-args.json").read_text()
    pusher = Pusher(local_registry.url)
    try:
        for name in ("jan-kowalski", "piotr-zielinski"):
            manifest = pusher.http.get(
                f"/v2/lab7/manifests/{name}", headers={"Accept": OCI_MANIFEST}
            ).json()
            assert manifest["artifactType"] == ARTIFACT_TYPE
            assert manifest["annotations"]["org.opencontainers.image.created"]
            for layer in manifest["layers"]:
                blob = pusher.http.get(f"/v2/lab7/blobs/{layer['digest']}").content
                assert b"secret-value" not in blob, layer["annotations"][TITLE]
    finally:
        pusher.close()

    listing = class_ls(tmp_path / "teacher", to)
    assert set(listing) == {"jan-kowalski", "piotr-zielinski"}
    jan_row, piotr_row = listing["jan-kowalski"], listing["piotr-zielinski"]
    assert jan_row["student"] == "Jan Kowalski" and piotr_row["student"] == "Piotr Zieliński"
    assert jan_row["done"] == piotr_row["done"] and jan_row["total"] == 9
    assert {i["key"] for i in jan_row["not_done"]} >= {"cache-import", "bonus"}
    assert [s["with"] for s in jan_row["shared_builds"]] == [["piotr-zielinski"]]
    assert [s["with"] for s in piotr_row["shared_builds"]] == [["jan-kowalski"]]
    assert jan_row["disagreements"] == []
    # The lab registry is each student's localhost: never asked from here.
    assert "on the student's own machine" in jan_row["digests"]["not_reachable"]
    assert jan_row["digests"]["gone"] == []
    human = ok(buildtui(tmp_path / "teacher", "class", "ls", to))
    assert "copied? same builds as piotr-zielinski" in human

    # Jan submits again: the tag moves, the first stays by digest and is listed.
    again = submit(jan, registry, to, "Jan Kowalski")
    assert again["digest"] != first["digest"]
    assert [e["digest"] for e in again["earlier"]] == [first["digest"]]
    head = httpx.head(
        f"{local_registry.url}/v2/lab7/manifests/{first['digest']}",
        headers={"Accept": OCI_MANIFEST},
    )
    assert head.status_code == 200
    tag = httpx.head(
        f"{local_registry.url}/v2/lab7/manifests/jan-kowalski", headers={"Accept": OCI_MANIFEST}
    )
    assert tag.headers["docker-content-digest"] == again["digest"]
    listing = class_ls(tmp_path / "teacher", to)
    assert [e["digest"] for e in listing["jan-kowalski"]["earlier"]] == [first["digest"]]
    human = ok(buildtui(jan, "lab", "submit", "--to", to, "--student", "Jan Kowalski",
                        registry=registry))  # fmt: skip
    assert "each earlier one stays in the registry by digest:" in human
    assert first["digest"] in human and again["digest"] in human

    # The instructor saves the first submission: 0600 files, a planted link refused.
    out = tmp_path / "saved"
    saved = ok(buildtui(tmp_path / "teacher", "class", "get", "Jan Kowalski", "--class", to,
                        "--digest", first["digest"], "--out", str(out)))  # fmt: skip
    assert first["digest"] in saved
    report = (out / "lab7-report.md").read_text()
    assert "Student: Jan Kowalski" in report
    assert stat.S_IMODE((out / "lab7-report.md").stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    planted = tmp_path / "planted"
    planted.mkdir()
    target = tmp_path / "victim.txt"
    target.write_text("mine")
    (planted / "builds.json").symlink_to(target)
    refused = buildtui(tmp_path / "teacher", "class", "get", "piotr-zielinski", "--class", to,
                       "--out", str(planted))  # fmt: skip
    assert refused.returncode == 1 and "is a symbolic link" in refused.stderr
    assert target.read_text() == "mine"


def raw_submission(
    pusher: Pusher, tag: str, files: list[tuple[str, str, bytes]], sizes: dict[str, int]
) -> None:
    config = pusher.blob("lab7", EMPTY_CONFIG, OCI_EMPTY)
    layers = []
    for name, kind, data in files:
        descriptor = pusher.blob("lab7", data, kind)
        descriptor["size"] = sizes.get(name, descriptor["size"])
        descriptor["annotations"] = {TITLE: name}
        layers.append(descriptor)
    document = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": ARTIFACT_TYPE,
        "config": config, "layers": layers,
        "annotations": {"io.buildtui.lab7.student": tag},
    }  # fmt: skip
    pusher.manifest("lab7", tag, document, OCI_MANIFEST)


def submitted_files(url: str, tag: str) -> list[tuple[str, str, bytes]]:
    with httpx.Client(base_url=url) as http:
        manifest = http.get(f"/v2/lab7/manifests/{tag}", headers={"Accept": OCI_MANIFEST}).json()
        blobs = [http.get(f"/v2/lab7/blobs/{d['digest']}").content for d in manifest["layers"]]
        return [
            (d["annotations"][TITLE], d["mediaType"], blob)
            for d, blob in zip(manifest["layers"], blobs, strict=True)
        ]


def bridge_address() -> str:
    """This machine's address on the docker bridge (not loopback), which it reaches."""
    for line in subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True,
                               check=False).stdout.splitlines():  # fmt: skip
        words = line.split()
        if "docker0" in words:
            return words[words.index("inet") + 1].split("/")[0]
    return socket.gethostbyname(socket.gethostname())


@pytest.fixture
def reachable_lab(tmp_path: Path) -> Iterator[LocalRegistry]:
    registry = start_local_registry(tmp_path / "reachable-lab", address=bridge_address())
    try:
        yield registry
    finally:
        registry.stop()


def test_bad_submissions_and_a_lab_registry_the_instructor_reaches(
    jan: Path,
    registry: TestRegistry,
    local_registry: LocalRegistry,
    reachable_lab: LocalRegistry,
    tmp_path: Path,
) -> None:
    to = f"{local_registry.host}/lab7"
    submit(jan, registry, to, "Jan Kowalski")
    good = submitted_files(local_registry.url, "jan-kowalski")
    pusher = Pusher(local_registry.url)
    lab = Pusher(reachable_lab.url)
    try:
        bad = [(n, k, b"{not json" if n == "builds.json" else d) for n, k, d in good]
        raw_submission(pusher, "malformed", bad, {})
        raw_submission(pusher, "oversized", good, {"lab7-report.html": 9 * 1024 * 1024})
        # A submission whose digests are on a lab registry this machine reaches: one there,
        # one gone, one gone as its deletion record says.
        served = lab.manifest(
            "lab", "cachetest",
            {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
             "config": lab.blob("lab", b"{}", OCI_EMPTY), "layers": []},
            OCI_MANIFEST,
        )["digest"]  # fmt: skip
        gone, deleted = sha256(b"gone"), sha256(b"deleted")
        cited = [
            {"registry": reachable_lab.host, "repository": "lab", "digest": d, "kind": "manifest",
             "cited_by": [by], "deleted_by": deletion}
            for d, by, deletion in ((served, "item 4", None), (gone, "build 1", None),
                                    (deleted, "cache-size-1", "deletion-1"))
        ]  # fmt: skip
        document = json.dumps({"format": "buildtui lab7 digests", "version": 1, "digests": cited})
        summary = json.loads(next(d for _n, k, d in good if k == SUMMARY))
        summary["tag"] = "reachable"
        elsewhere = [
            (n, k, document.encode() if k == DIGESTS else json.dumps(summary).encode()
             if k == SUMMARY else d)
            for n, k, d in good
        ]  # fmt: skip
        raw_submission(pusher, "reachable", elsewhere, {})
    finally:
        pusher.close()
        lab.close()
    teacher = tmp_path / "teacher"
    (teacher / "config" / "buildtui").mkdir(parents=True)
    (teacher / "config" / "buildtui" / "config.toml").write_text(
        f'insecure_registries = ["{reachable_lab.host}"]\n'
    )
    listing = class_ls(teacher, to)
    assert listing["jan-kowalski"].get("error") is None
    assert listing["malformed"]["error"].startswith("builds.json is not valid JSON")
    assert listing["oversized"]["error"] == (
        "its lab7-report.html is 9,437,184 bytes, above the 8 MiB (8,388,608 bytes) it may have"
    )
    checked = listing["reachable"]["digests"]
    assert (checked["served"], checked["deleted"], checked["unknown"]) == (1, 1, 0)
    assert [g["digest"] for g in checked["gone"]] == [gone]
    assert checked["not_reachable"] is None
    human = ok(buildtui(teacher, "class", "ls", to))
    assert "Refused: its lab7-report.html is 9,437,184 bytes" in human
    assert "cited digests gone: 1" in human


def test_a_class_registry_that_needs_a_login(
    jan: Path, registry: TestRegistry, auth_registry: LocalRegistry, tmp_path: Path
) -> None:
    to = f"{auth_registry.host}/lab7"
    refused = buildtui(jan, "lab", "submit", "--to", to, "--student", "Jan Kowalski",
                       registry=registry)  # fmt: skip
    assert refused.returncode == 1
    assert f"docker login {auth_registry.host}" in refused.stderr
    assert "Traceback" not in refused.stderr
    docker_config = tmp_path / "docker"
    docker_config.mkdir()
    token = base64.b64encode(b"student:lab7-secret").decode()
    (docker_config / "config.json").write_text(
        json.dumps({"auths": {auth_registry.host: {"auth": token}}})
    )
    env = {"DOCKER_CONFIG": str(docker_config)}
    done = json.loads(ok(buildtui(jan, "lab", "submit", "--to", to, "--student", "Jan Kowalski",
                                  "--json", registry=registry, env=env)))  # fmt: skip
    assert done["tag"] == "jan-kowalski"
    assert class_ls(tmp_path / "teacher", to, env)["jan-kowalski"]["student"] == "Jan Kowalski"
    anonymous = buildtui(tmp_path / "teacher", "class", "ls", to)
    assert anonymous.returncode == 1 and f"docker login {auth_registry.host}" in anonymous.stderr
