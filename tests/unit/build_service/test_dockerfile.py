"""A Dockerfile read as BuildKit's frontend reads it: stage labels and step numbers as in
the step names of real builds (tests/integration/test_forecast.py builds them), edges,
the stages a target needs, and variables as BuildKit expands them in RUN step names."""

from __future__ import annotations

from buildtui.builds.dockerfile import (
    expand_command,
    image_name,
    instructions,
    parse,
    step_environment,
    substitute,
)

# Built on the lab engine: the step names BuildKit printed are in the comments.
SEVERAL = """\
# escape=\\
ARG BASE=buildtui-lab/busybox:amd64
FROM ${BASE}
ARG X=1
ADD a.txt /a.txt
# [stage-0 3/6] RUN echo one     two
RUN echo one \\
    two
COPY <<EOT /h.txt
hello
EOT
RUN <<EOT
echo heredoc
EOT
ONBUILD RUN echo no
HEALTHCHECK CMD true
VOLUME /v
SHELL ["/bin/sh", "-c"]
RUN echo after-shell

FROM scratch AS out
COPY --from=0 /a.txt /a.txt

FROM buildtui-lab/busybox:amd64
RUN echo unused-stage
"""


def steps(text: str) -> list[list[tuple[str | None, int, int, str, int]]]:
    return [
        [(s.label, p.index, p.total, p.text, p.instruction.line) for p in s.steps]
        for s in parse(text).stages
    ]


def test_steps_are_numbered_as_buildkit_numbers_them() -> None:
    assert steps(SEVERAL) == [
        [
            ("stage-0", 1, 6, "FROM buildtui-lab/busybox:amd64", 3),
            ("stage-0", 2, 6, "ADD a.txt /a.txt", 5),
            ("stage-0", 3, 6, "RUN echo one     two", 7),
            ("stage-0", 4, 6, "COPY <<EOT /h.txt", 9),
            ("stage-0", 5, 6, "RUN <<EOT", 12),
            ("stage-0", 6, 6, "RUN echo after-shell", 19),
        ],
        [("out", 1, 1, "COPY --from=0 /a.txt /a.txt", 22)],
        [
            ("stage-2", 1, 2, "FROM buildtui-lab/busybox:amd64", 24),
            ("stage-2", 2, 2, "RUN echo unused-stage", 25),
        ],
    ]


def test_a_stage_from_a_stage_has_no_from_step_and_one_unnamed_stage_no_label() -> None:
    dockerfile = parse(
        "FROM busybox AS Base\nWORKDIR /app\nFROM base AS final\nRUN ls\nCOPY --from=base /a /a\n"
    )
    base, final = dockerfile.stages
    assert (base.name, base.label, final.base_stage) == ("base", "base", "base")
    assert [p.index for p in final.steps] == [1, 2] and final.steps[0].total == 2
    single = parse("FROM busybox\nRUN true\n").stages[0]
    assert single.label is None and [p.text for p in single.steps] == ["FROM busybox", "RUN true"]


def test_edges_and_the_stages_a_target_needs() -> None:
    dockerfile = parse(
        "FROM busybox AS deps\nRUN a\n"
        "FROM busybox AS tools\nRUN b\n"
        "FROM deps AS build\nRUN --mount=type=cache,from=tools,target=/t c\n"
        "COPY --from=alpine:3 /x /x\n"
        "FROM scratch AS out\nCOPY --from=build /x /x\n"
        "FROM busybox AS unused\n"
    )
    edges = {(e.source, e.target, e.kind, e.step, e.image) for e in dockerfile.edges()}
    assert ("deps", "build", "from", None, False) in edges
    assert ("tools", "build", "mount", 1, False) in edges
    assert ("alpine:3", "build", "copy", 2, True) in edges
    assert ("build", "out", "copy", 1, False) in edges
    assert [s.label for s in dockerfile.needed("out")] == ["deps", "tools", "build", "out"]
    assert [s.label for s in dockerfile.needed()] == ["unused"]
    assert dockerfile.needed("nope") == []


def test_continuations_comments_and_the_escape_directive() -> None:
    text = "# escape=`\nFROM x\nRUN a `\n  # a comment inside\n\n  b\nENV K=v\n"
    found = instructions(text)
    assert [(i.keyword, i.arguments, i.line, i.end_line) for i in found] == [
        ("FROM", "x", 2, 2),
        ("RUN", "a   b", 3, 6),
        ("ENV", "K=v", 7, 7),
    ]


def test_variables_as_buildkit_expands_them() -> None:
    values = {"A": "", "B": None, "C": "c", "D": "d"}
    assert substitute("${A:-x}-${B-y}-$C-${D:+z}-${B+w}", values) == "x-y-c-z-"
    assert expand_command("echo $G '$G' \\$G \"$G\" ${G:-no}", {"G": "hi"}) == (
        "echo hi '$G' \\$G \"hi\" hi"
    )


def test_a_step_sees_env_of_its_bases_and_its_declared_args() -> None:
    dockerfile = parse(
        "FROM x AS a\nENV P=/p Q=$P/q\nARG V=default\nRUN echo $V $Q\n"
        "FROM a AS b\nARG W\nRUN echo $W $V $Q\n"
    )
    assert step_environment(dockerfile, "a", 4, {}) == {"P": "/p", "Q": "/p/q", "V": "default"}
    assert step_environment(dockerfile, "a", 4, {"V": "given"})["V"] == "given"
    # ARGs do not cross stages; ENVs do; an ARG without value or default is not set.
    assert step_environment(dockerfile, "b", 7, {}) == {"P": "/p", "Q": "/p/q"}


def test_image_names_as_step_names_spell_them() -> None:
    assert image_name("busybox") == "docker.io/library/busybox:latest"
    assert image_name("me/app:1") == "docker.io/me/app:1"
    assert image_name("localhost:5000/lab") == "localhost:5000/lab:latest"
    assert image_name("localhost:5000/lab@sha256:aa") == "localhost:5000/lab@sha256:aa"


def test_a_hostile_dockerfile_is_read_in_bounded_time() -> None:
    text = "FROM x\n" + "RUN a \\\n" * 5000 + "RUN <<" + "A" * 5000 + "\n" * 1000
    found = parse(text)
    assert len(found.stages) == 1
