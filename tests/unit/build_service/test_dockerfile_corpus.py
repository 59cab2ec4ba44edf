"""The Dockerfile reader against BuildKit's own parser (the `dockerfile` package wraps
its Go code) on generated Dockerfiles, and against a corpus of tricky ones written out
by hand: continuation lines (with either escape character, comments and empty lines
inside, a doubled escape, spaces after the escape, the end of the file), parser
directives, heredocs, JSON forms, multi-name ARG and ENV, CRLF, a byte-order mark."""

from __future__ import annotations

import dockerfile as buildkit
import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildtui.builds.dockerfile import (
    Instruction,
    arg_names,
    env_pairs,
    instructions,
    parse,
    unquote,
)

FRAGMENTS = [
    "FROM x AS Build",
    "FROM \\",
    "FROM `",
    "  busybox AS base",
    "  --platform=$P busybox",
    "RUN a \\",
    "RUN a `",
    "RUN a \\  ",
    "RUN a ` \t",
    "  # a comment \\",
    "#",
    "",
    "   ",
    "  && b",
    "\\",
    "`",
    "RUN echo \\\\",
    "RUN echo ``",
    "COPY <<EOF /a",
    "EOF",
    "\tEOF",
    "RUN cat <<-'E' <<F",
    'RUN cat <<"E"',
    "E",
    "\t\tE",
    "F",
    "RUN 3<<EOT cat",
    "EOT",
    "RUN <<EOF > out",
    'RUN ["sh", "-c", "cat <<EOF"]',
    'RUN echo "<<EOF"',
    "RUN echo a<<EOF",
    "ONBUILD RUN <<X",
    "X",
    'ARG A=1 B="x y" C',
    "ARG VERSION",
    "ARG BASE=busybox VERSION=1",
    "ENV a b c",
    "ENV k=v l='w x'",
    "RUN --mount=type=cache,target=/x \\",
    "   echo hi",
    "COPY --from=Build /a /b",
    'ADD --chmod="7 55" a b',
    "COPY --link -- --x /y",
    "run\tlower",
    "RUN x\r",
    "  RUN indented",
    "LABEL a=b \\",
    "c=d",
]
HEADS = ["# escape=`", "# syntax=docker/dockerfile:1", "#escape=\\", " # Escape = `", ""]


def ours(text: str) -> list[tuple[object, ...]]:
    return [_shape(i) for i in instructions(text)]


def _shape(i: Instruction) -> tuple[object, ...]:
    words: tuple[str, ...] = ()
    if i.keyword == "ARG":
        words = i.words
    elif i.keyword == "ENV":
        words = tuple(name for name, _ in env_pairs(i))
    elif i.keyword == "FROM":
        words = tuple(i.operands.split())
    heredocs = () if i.keyword == "ONBUILD" else tuple((h.name, h.body) for h in i.heredocs)
    return (i.keyword, i.line, i.end_line, i.flags, words, heredocs)


def theirs(text: str) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for c in buildkit.parse_string(text):
        keyword = (c.cmd or "").upper()
        words: tuple[str, ...] = ()
        if keyword in ("ARG", "FROM"):
            words = c.value
        elif keyword == "ENV":
            words = c.value[0::2]
        heredocs = tuple((h.name, h.content) for h in c.heredocs)
        out.append((keyword, c.start_line, c.end_line, c.flags, words, heredocs))
    return out


@given(
    st.lists(st.sampled_from(HEADS), max_size=2),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=14),
    st.booleans(),
)
def test_instructions_as_buildkit_reads_them(
    heads: list[str], body: list[str], newline: bool
) -> None:
    text = "\n".join(heads + body) + ("\n" if newline else "")
    try:
        expected = theirs(text)
    except buildkit.GoParseError:
        return  # BuildKit refuses it (an unterminated heredoc, an ENV without value...)
    assert ours(text) == expected


# (Dockerfile, [(keyword, arguments, first line, last line)]): each checked against
# BuildKit's parser as well, where it reads it.
CORPUS = [
    # A FROM continued on the next line, its stage name in another case.
    (
        "FROM \\\n    busybox AS Build\nRUN a\n",
        [("FROM", "busybox AS Build", 1, 2), ("RUN", "a", 3, 3)],
    ),
    # The backtick escape: a backslash at the end is text, a backtick continues.
    (
        "# escape=`\nFROM x\nRUN dir c:\\\nRUN a `\n  b\n",
        [("FROM", "x", 2, 2), ("RUN", "dir c:\\", 3, 3), ("RUN", "a   b", 4, 5)],
    ),
    # Comments and empty lines inside a continuation are skipped but counted; the
    # continuation lines keep their leading spaces.
    (
        "FROM x\nRUN apk add \\\n    # curl \\\n\n    git \\\n    jq\n",
        [("FROM", "x", 1, 1), ("RUN", "apk add     git     jq", 2, 6)],
    ),
    # A doubled escape at the end is no continuation; spaces after the escape are.
    (
        "FROM x\nRUN echo \\\\\nRUN a \\  \n  b\n",
        [("FROM", "x", 1, 1), ("RUN", "echo \\\\", 2, 2), ("RUN", "a   b", 3, 4)],
    ),
    # A continuation at the end of the file.
    ("FROM x\nRUN a \\", [("FROM", "x", 1, 1), ("RUN", "a", 2, 2)]),
    # Heredocs: their bodies belong to the instruction; quoted ones are not heredocs.
    (
        'FROM x\nRUN <<EOF\nFROM y\nEOF\nRUN echo "<<EOF"\nCOPY <<-A <<B /d/\n\tx\n\tA\ny\nB\n',
        [
            ("FROM", "x", 1, 1),
            ("RUN", "<<EOF", 2, 4),
            ("RUN", 'echo "<<EOF"', 5, 5),
            ("COPY", "<<-A <<B /d/", 6, 10),
        ],
    ),
    # JSON form takes no heredoc.
    (
        'FROM x\nRUN ["sh", "-c", "cat <<EOF"]\nEOF\n',
        [("FROM", "x", 1, 1), ("RUN", '["sh", "-c", "cat <<EOF"]', 2, 2), ("EOF", "", 3, 3)],
    ),
    # CRLF line ends, a byte-order mark, a tab after the keyword.
    (
        "\ufeffFROM x\r\nRUN a \\\r\n  b\r\nrun\tc\r\n",
        [("FROM", "x", 1, 1), ("RUN", "a   b", 2, 3), ("RUN", "c", 4, 4)],
    ),
    # Directives end at the first line that is not one.
    (
        "# syntax=docker/dockerfile:1\n\n# escape=`\nFROM x\nRUN a `\nRUN b\n",
        [("FROM", "x", 4, 4), ("RUN", "a `", 5, 5), ("RUN", "b", 6, 6)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CORPUS)
def test_a_corpus_of_tricky_dockerfiles(text: str, expected: list[tuple[object, ...]]) -> None:
    found = instructions(text)
    assert [(i.keyword, i.arguments, i.line, i.end_line) for i in found] == expected
    assert ours(text) == theirs(text)


def test_the_check_directive_is_a_directive() -> None:
    """BuildKit 0.14 and later: `# check=` is a parser directive, so an escape directive
    after it still counts."""
    found = instructions("# check=skip=all\n# escape=`\nFROM x\nRUN a `\n  b\n")
    assert [(i.keyword, i.line, i.end_line) for i in found] == [("FROM", 3, 3), ("RUN", 4, 5)]


def test_multi_name_args_and_envs() -> None:
    dockerfile = parse(
        'ARG BASE=busybox VERSION=1\nFROM $BASE\nARG DEBUG=0 VERSION NAME="a b"\n'
        "ENV A=1 B='x y'\nENV OLD form value\n"
    )
    assert dict(dockerfile.global_args) == {"BASE": "busybox", "VERSION": "1"}
    (stage,) = dockerfile.stages
    assert stage.base == "busybox"
    assert [name for name, _ in stage.args] == ["DEBUG", "VERSION", "NAME"]
    assert [(k, n, v) for k, n, v, _ in stage.variables] == [
        ("ARG", "DEBUG", "0"),
        ("ARG", "VERSION", None),
        ("ARG", "NAME", "a b"),
        ("ENV", "A", "1"),
        ("ENV", "B", "x y"),
        ("ENV", "OLD", "form value"),
    ]
    (arg,) = [i for i in instructions("ARG A B=2") if i.keyword == "ARG"]
    assert arg_names(arg) == [("A", None), ("B", "2")]
    assert unquote("'a'\"b c\"\\ d") == "ab c d"


def test_stage_names_are_case_insensitive_and_a_continued_from_is_read() -> None:
    dockerfile = parse(
        "FROM busybox AS Build\nRUN a\nFROM \\\n  build AS out\nCOPY --from=BUILD /a /b\n"
    )
    build, out = dockerfile.stages
    assert (build.name, build.label, out.base_stage, out.from_line) == (
        "build",
        "build",
        "build",
        3,
    )
    assert [(e.source, e.target, e.kind) for e in dockerfile.edges([out])] == [
        ("build", "out", "from"),
        ("build", "out", "copy"),
    ]


def test_heredoc_bodies_are_kept_with_their_lines() -> None:
    (_, run) = instructions("FROM x\nRUN <<EOF cat\necho one\n  echo two\nEOF\n")
    assert (run.line, run.end_line) == (2, 5)
    (heredoc,) = run.heredocs
    assert (heredoc.name, heredoc.body, heredoc.line) == ("EOF", "echo one\n  echo two\n", 3)


def test_long_and_hostile_text_is_read_in_bounds() -> None:
    quotes = "RUN " + '"' * 200_000 + "\n"
    escapes = "ARG " + "\\" * 200_000 + "\n"
    heredocs = "RUN " + "<<A " * 20_000 + "\n"
    found = instructions("FROM x\n" + quotes + escapes + heredocs)
    assert [i.keyword for i in found] == ["FROM", "RUN", "ARG", "RUN"]
