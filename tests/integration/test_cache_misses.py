"""Why the cache missed, on real builds: each test builds a context twice on the engine's
default builder (its own unique RUN text and files, so no other build's cache answers)
through `buildtui build`'s own code, with a history in its tmp dir, and reads the first
miss from `--summary-json`.

The default builder's cache is the engine's: a `docker buildx prune` run by someone else
between two builds of a test empties it, and the app then rightly says "pruned". A test
that was not about that runs again with new names (`CachePruned`), at most twice. One
test is about that, and prunes the builder's cache itself.
"""

from __future__ import annotations

import functools
import io
import json
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from buildtui.builds.history import BuildHistory
from buildtui.builds.options import argv_for_arguments
from buildtui.builds.runner import BuildRunner
from buildtui.commands.build import run_build
from buildtui.settings import Settings
from tests.integration.lab import BASE_IMAGE_PARTS, docker, unique

DOCKERFILE = """\
FROM {base} AS base
ARG GREETING=hello
COPY src/ /app/src/
RUN echo $GREETING {token} && ls /app/src

FROM base AS final
COPY --from=base /app/src/index.js /index.js
RUN cat /index.js
"""


class CachePruned(Exception):
    """The engine's build cache was pruned between two builds of a test."""


class Lab:
    """A build context in a tmp dir, a history beside it, and images to remove."""

    def __init__(self, tmp_path: Path, image_names: list[str], base: str) -> None:
        self.token = unique("miss")
        tmp_path = tmp_path / self.token
        self.context = tmp_path / "context"
        (self.context / "src").mkdir(parents=True)
        self.dockerfile = self.context / "Dockerfile"
        self.dockerfile.write_text(DOCKERFILE.format(base=base, token=self.token))
        (self.context / "src" / "index.js").write_text(f"console.log('{self.token}')\n")
        (self.context / "src" / "other.js").write_text("// other\n")
        (self.context / "src" / "notes.txt").write_text("ignored\n")
        (self.context / ".dockerignore").write_text("# notes are not sent\n**/notes.txt\n")
        self.history = BuildHistory(tmp_path / "builds.sqlite3")
        self.tmp_path = tmp_path.parent
        self.image_names = image_names
        self.base = base
        self.image = f"{self.token}:latest"
        image_names.append(self.image)
        self.builds = 0

    def build(self, *extra: str, pruned: bool = False) -> tuple[int, dict[str, Any], str]:
        """(exit code, summary JSON, printed output); `pruned` when the test prunes itself."""
        self.builds += 1
        out = io.StringIO()
        summary = self.tmp_path / f"summary{self.builds}.json"
        args = [*extra, "-t", self.image, "-f", str(self.dockerfile), str(self.context)]
        code = run_build(
            argv_for_arguments(args, Settings()),
            BuildRunner(),
            out,
            summary_json=summary,
            history=self.history,
        )
        document = json.loads(summary.read_text())
        said = any("(pruned)" in miss["detail"] for miss in document["first_misses"])
        if said and not pruned:
            raise CachePruned(f"{self.token}: the build cache was pruned during the test")
        return code, document, out.getvalue()

    def misses(self, summary: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
        return {m["stage"]: m for m in summary["first_misses"]}


@pytest.fixture
def lab(engine: None, tmp_path: Path, image_names: list[str]) -> Lab:
    return Lab(tmp_path, image_names, BASE_IMAGE_PARTS["amd64"])


AnyLab = TypeVar("AnyLab", bound=Lab)


def again_if_pruned(test: Callable[[AnyLab], None]) -> Callable[[AnyLab], None]:
    """Run `test` with a new lab of the same kind (new names) when the cache was pruned
    under it."""

    @functools.wraps(test)
    def run(lab: AnyLab) -> None:
        for attempt in range(3):
            try:
                test(lab)
                return
            except CachePruned:
                if attempt == 2:
                    raise
                lab = type(lab)(lab.tmp_path, lab.image_names, lab.base)

    return run


@again_if_pruned
def test_a_changed_source_file_is_named(lab: Lab) -> None:
    code, first, _ = lab.build()
    assert code == 0 and first["first_misses"] == []  # nothing earlier: no claim
    (lab.context / "src" / "notes.txt").write_text("changed, but .dockerignore leaves it out\n")
    code, again, _ = lab.build()
    assert code == 0 and again["cached"] == again["total"] and again["first_misses"] == []
    (lab.context / "src" / "index.js").write_text(f"console.log('changed {lab.token}')\n")
    code, summary, printed = lab.build()
    assert code == 0
    misses = lab.misses(summary)
    base = misses["base"]
    assert (base["index"], base["instruction"], base["reason"]) == (
        2,
        "COPY src/ /app/src/",
        "files",
    )
    assert base["detail"] == "changed since build #2: src/index.js"
    assert base["compared_with"] == 2
    final = misses["final"]
    assert final["reason"] == "earlier-stage" and "COPY src/ /app/src/" in final["detail"]
    assert "Cache broken here: base: cache broken at step 2 COPY src/ /app/src/" in printed
    kept = lab.history.list()
    assert kept[0].summary.first_misses[0].detail == base["detail"]


@again_if_pruned
def test_an_edited_run_line_is_named(lab: Lab) -> None:
    assert lab.build()[0] == 0
    text = lab.dockerfile.read_text().replace("ls /app/src", "ls -l /app/src")
    lab.dockerfile.write_text(text)
    code, summary, _ = lab.build()
    assert code == 0
    base = lab.misses(summary)["base"]
    assert base["reason"] == "instruction" and base["index"] == 3
    assert base["detail"] == (
        f"Dockerfile line 4 changed: RUN echo $GREETING {lab.token} && ls -l /app/src "
        f"(was: RUN echo $GREETING {lab.token} && ls /app/src)"
    )


@again_if_pruned
def test_a_changed_build_argument_is_named_and_its_value_never_kept(lab: Lab) -> None:
    secret = unique("value")
    assert lab.build("--build-arg", "GREETING=first")[0] == 0
    code, summary, _ = lab.build("--build-arg", f"GREETING={secret}")
    assert code == 0
    base = lab.misses(summary)["base"]
    assert base["reason"] == "build-arg" and base["index"] == 3
    assert base["detail"] == "build argument GREETING changed since build #1"
    with sqlite3.connect(lab.history.path) as db:
        blobs = [zlib.decompress(row[0]) for row in db.execute("SELECT evidence FROM builds")]
    assert len(blobs) == 2 and all(b"GREETING" in blob for blob in blobs)
    assert not any(secret.encode() in blob for blob in blobs)


def test_a_new_base_image_digest_is_said(
    engine: None, tmp_path: Path, image_names: list[str]
) -> None:
    base = f"{unique('i13-base')}:1"
    image_names.append(base)
    docker("tag", BASE_IMAGE_PARTS["amd64"], base)
    lab = Lab(tmp_path, image_names, base)
    assert lab.build()[0] == 0
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "Dockerfile").write_text(
        f"FROM {BASE_IMAGE_PARTS['amd64']}\nRUN echo {lab.token} > /moved\n"
    )
    docker("buildx", "build", "--builder", "default", "-t", base, str(moved))
    code, summary, _ = lab.build()
    assert code == 0
    miss = lab.misses(summary)["base"]
    assert miss["reason"] == "base-image" and miss["index"] == 2
    assert miss["detail"].startswith(f"the base image docker.io/library/{base} resolved to")


@again_if_pruned
def test_no_cache_says_so(lab: Lab) -> None:
    assert lab.build()[0] == 0
    code, summary, _ = lab.build("--no-cache")
    assert code == 0 and summary["cached"] == 0
    assert {m["reason"] for m in summary["first_misses"]} == {"no-cache"}
    assert lab.misses(summary)["base"]["detail"] == "--no-cache: no step may come from the cache"


def test_a_pruned_cache_with_no_import_says_so(lab: Lab) -> None:
    code, first, _ = lab.build()
    assert code == 0 and first["first_misses"] == []
    docker("buildx", "prune", "-af")
    code, summary, printed = lab.build(pruned=True)
    assert code == 0 and summary["cached"] == 0 and summary["cache_import"] != "found"
    base = lab.misses(summary)["base"]
    assert (base["index"], base["instruction"], base["reason"]) == (
        2,
        "COPY src/ /app/src/",
        "no-cache",
    )
    assert base["detail"] == (
        "no step came from the cache: no cache was imported and the local cache no longer "
        "holds build #1's steps (pruned), though their input is the same (the step's text, "
        "base image digests, the files it copies, build arguments)"
    )
    assert base["compared_with"] == 1
    assert summary["first_misses"][0] == base
    assert lab.misses(summary)["final"]["reason"] == "earlier-stage"
    assert (
        f"Cache broken here: base: cache broken at step 2 COPY src/ /app/src/: {base['detail']}"
        in printed
    )


CONTINUED_FROM = """\
FROM {base} AS Base
RUN echo {token} base \\
    && echo one > /one
FROM \\
    base AS final
COPY --from=Base /one /one
RUN cat /one
"""


@again_if_pruned
def test_a_change_on_a_continuation_line_and_a_continued_from_are_named(lab: Lab) -> None:
    lab.dockerfile.write_text(CONTINUED_FROM.format(base=lab.base, token=lab.token))
    assert lab.build()[0] == 0
    lab.dockerfile.write_text(lab.dockerfile.read_text().replace("echo one", "echo two"))
    code, summary, _ = lab.build()
    assert code == 0
    misses = lab.misses(summary)
    base = misses["base"]
    assert (base["reason"], base["index"]) == ("instruction", 2)
    assert base["detail"] == (
        "Dockerfile line 3 changed: && echo two > /one (was: && echo one > /one), "
        "in the RUN of lines 2-3"
    )
    # The stage FROM base (written over two lines) missed because its base did.
    final = misses["final"]
    assert final["reason"] == "earlier-stage"
    assert final["detail"] == (
        f"stage base (its base) missed first at step 2 {base['instruction']}"
    )


MULTI_NAME_ARG = """\
ARG BASE={base} VERSION=1
FROM ${{BASE}} AS Tools
ARG DEBUG=0 VERSION
RUN echo {token} tools && env | grep VERSION > /v
FROM ${{BASE}} AS final
COPY --from=Tools /v /v
RUN cat /v
"""


@again_if_pruned
def test_a_multi_name_arg_and_a_stage_named_in_another_case_are_named(lab: Lab) -> None:
    lab.dockerfile.write_text(MULTI_NAME_ARG.format(base=lab.base, token=lab.token))
    assert lab.build("--build-arg", "VERSION=1")[0] == 0
    # The RUN does not name $VERSION: only its environment changes.
    code, summary, _ = lab.build("--build-arg", "VERSION=2")
    assert code == 0
    misses = lab.misses(summary)
    tools = misses["tools"]
    assert (tools["reason"], tools["index"], tools["detail"]) == (
        "build-arg",
        2,
        "build argument VERSION changed since build #1",
    )
    final = misses["final"]
    assert final["reason"] == "copy-from"
    assert final["detail"] == (
        f"COPY --from=tools: stage tools missed first at step 2 {tools['instruction']} (build-arg)"
    )
