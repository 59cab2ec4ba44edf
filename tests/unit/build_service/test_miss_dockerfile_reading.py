"""Miss reasons that depend on reading the Dockerfile as BuildKit reads it: a stage whose
FROM is continued on the next line, every name of a multi-name ARG, stage names in
another case than the step names' (BuildKit lowers them), and changes on a continuation
line or inside a heredoc's body. Each of these was missed before (the reason said
"unknown" or only that the step's text changed)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from buildtui.buildlog.summary import BuildSummary, CacheMiss
from buildtui.builds.evidence import BuildEvidence
from buildtui.builds.misses import EarlierBuild, declared_args, first_misses, stage_bases
from buildtui.builds.stage_graph import stage_graph
from buildtui.i18n import speaking

DIGEST = "sha256:" + "1" * 64


def build(*steps: tuple[str | None, int, str, str], cached: int = 1) -> BuildSummary:
    """A build of (stage, index, instruction, status) steps; FROM steps are not counted."""
    return BuildSummary.from_json(
        {
            "steps": [
                {
                    "platform": None,
                    "stage": stage,
                    "index": index,
                    "instruction": instruction,
                    "status": status,
                    "seconds": 0.1,
                    "counted": not instruction.startswith("FROM "),
                }
                for stage, index, instruction, status in steps
            ],
            "cached": cached,
            "total": len(steps),
            "cache_import": "none",
        }
    )


def evidence(text: str, **changes: Any) -> BuildEvidence:
    base = BuildEvidence(
        context="/lab", dockerfile="/lab/Dockerfile", dockerfile_text=text, context_hashes={}
    )
    return replace(base, **changes)


def misses(
    old: BuildSummary, new: BuildSummary, before: BuildEvidence, after: BuildEvidence
) -> dict[str | None, CacheMiss]:
    found = first_misses(new, after, [EarlierBuild(1, old, before)])
    return {m.stage: m for m in found}


CONTINUED_FROM = """\
FROM busybox AS base
RUN echo {word}
FROM \\
    base AS app
RUN echo two
"""


def test_a_stage_whose_from_is_continued_misses_because_of_its_base() -> None:
    assert stage_bases(CONTINUED_FROM) == {"base": "busybox", "app": "base"}
    old_text, new_text = CONTINUED_FROM.format(word="one"), CONTINUED_FROM.format(word="uno")
    from_step = ("base", 1, f"FROM docker.io/library/busybox:latest@{DIGEST}", "cached")
    old = build(
        from_step,
        ("base", 2, "RUN echo one", "cached"),
        ("app", 1, "RUN echo two", "cached"),
    )
    new = build(
        from_step,
        ("base", 2, "RUN echo uno", "done"),
        ("app", 1, "RUN echo two", "done"),
    )
    found = misses(old, new, evidence(old_text), evidence(new_text))
    assert (found["base"].reason, found["base"].detail) == (
        "instruction",
        "Dockerfile line 2 changed: RUN echo uno (was: RUN echo one)",
    )
    assert (found["app"].reason, found["app"].detail) == (
        "earlier-stage",
        "stage base (its base) missed first at step 2 RUN echo uno",
    )


MULTI_NAME_ARG = """\
ARG BASE=busybox VERSION=1
FROM $BASE
ARG DEBUG=0 VERSION
RUN ./build.sh
"""


def test_every_name_of_a_multi_name_arg_is_declared() -> None:
    assert declared_args(MULTI_NAME_ARG) == {"BASE", "VERSION", "DEBUG"}
    from_step = (None, 1, f"FROM docker.io/library/busybox:latest@{DIGEST}", "cached")
    old = build(from_step, (None, 2, "RUN ./build.sh", "cached"))
    new = build(from_step, (None, 2, "RUN ./build.sh", "done"))
    found = misses(
        old,
        new,
        evidence(MULTI_NAME_ARG, build_args={"VERSION": "h1", "UNUSED": "a"}),
        evidence(MULTI_NAME_ARG, build_args={"VERSION": "h2", "UNUSED": "b"}),
    )
    assert (found[None].reason, found[None].detail) == (
        "build-arg",
        "build argument VERSION changed since build #1",
    )


CASE_FOLDED = """\
FROM busybox AS Build
RUN echo {word} > /a
FROM busybox AS out
COPY --from=Build /a /a
"""


def test_a_copy_from_a_stage_named_in_another_case_names_that_stage() -> None:
    from_step = f"FROM docker.io/library/busybox:latest@{DIGEST}"
    # Step names carry the stage's name in lower case, the COPY as written.
    old = build(
        ("out", 1, from_step, "cached"),
        ("out", 2, "COPY --from=Build /a /a", "cached"),
        ("build", 1, from_step, "cached"),
        ("build", 2, "RUN echo hi > /a", "cached"),
    )
    new = build(
        ("out", 1, from_step, "cached"),
        ("out", 2, "COPY --from=Build /a /a", "done"),
        ("build", 1, from_step, "cached"),
        ("build", 2, "RUN echo ho > /a", "done"),
    )
    found = misses(
        old, new, evidence(CASE_FOLDED.format(word="hi")), evidence(CASE_FOLDED.format(word="ho"))
    )
    assert found["build"].reason == "instruction"
    assert (found["out"].reason, found["out"].detail) == (
        "copy-from",
        "COPY --from=build: stage build missed first at step 2 RUN echo ho > /a (instruction)",
    )
    graph = stage_graph(new)  # without the Dockerfile: from the step names only
    (copy,) = [e for e in graph.edges if e.kind == "copy"]
    assert (copy.source, copy.target, copy.image) == ("build", "out", False)


CONTINUED_RUN = """\
FROM busybox
RUN apk add \\
    # the tools
    curl \\
    {tool}
"""


def test_a_change_on_a_continuation_line_names_that_line() -> None:
    old_text, new_text = CONTINUED_RUN.format(tool="git"), CONTINUED_RUN.format(tool="jq")
    from_step = (None, 1, f"FROM docker.io/library/busybox:latest@{DIGEST}", "cached")
    old = build(from_step, (None, 2, "RUN apk add     curl     git", "cached"))
    new = build(from_step, (None, 2, "RUN apk add     curl     jq", "done"))
    found = misses(old, new, evidence(old_text), evidence(new_text))
    assert (found[None].reason, found[None].detail) == (
        "instruction",
        "Dockerfile line 5 changed: jq (was: git), in the RUN of lines 2-5",
    )


HEREDOC = """\
FROM busybox
RUN <<EOF
echo one
echo {word}
EOF
"""


def test_a_change_inside_a_heredoc_names_its_line() -> None:
    # BuildKit names the step after the heredoc's first line only.
    name = "RUN <<EOF (echo one...)"
    from_step = (None, 1, f"FROM docker.io/library/busybox:latest@{DIGEST}", "cached")
    old = build(from_step, (None, 2, name, "cached"))
    new = build(from_step, (None, 2, name, "done"))
    found = misses(
        old, new, evidence(HEREDOC.format(word="two")), evidence(HEREDOC.format(word="three"))
    )
    assert (found[None].reason, found[None].detail) == (
        "instruction",
        "Dockerfile line 4 changed: echo three (was: echo two), in the RUN of lines 2-5",
    )


def test_the_changed_line_is_named_in_polish_too() -> None:
    old_text, new_text = CONTINUED_RUN.format(tool="git"), CONTINUED_RUN.format(tool="jq")
    from_step = (None, 1, f"FROM docker.io/library/busybox:latest@{DIGEST}", "cached")
    old = build(from_step, (None, 2, "RUN apk add     curl     git", "cached"))
    new = build(from_step, (None, 2, "RUN apk add     curl     jq", "done"))
    with speaking("pl"):
        found = misses(old, new, evidence(old_text), evidence(new_text))
    assert found[None].detail == (
        "Dockerfile: zmieniony wiersz 5: jq (było: git), w instrukcji RUN w wierszach 2-5"
    )
