""".dockerignore and COPY/ADD sources matched as BuildKit does (moby's patternmatcher,
fsutil's walk and copy), in linear time and within a deadline.

The expected answers come from the real engine (the same cases run against it in
tests/integration/test_context_patterns.py); the odd ones are what moby's translation
into Go's regexp gives: `[!a]` is the class of `!` and `a`, `\\b` is a word boundary,
`**foo` matches by suffix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.builds.copy_sources import source_takes, split_source
from buildtui.builds.deadline import Deadline, DeadlineExceeded
from buildtui.builds.dockerignore import IgnoreFileError, IgnoreRules, Kind, translate
from buildtui.builds.evidence import collect, hash_context
from buildtui.builds.go_glob import PatternError, glob_match, go_clean
from buildtui.builds.go_regexp import GoRegexp
from tests.hang_guard import finishes

EVIL = "*a" * 18 + "*c"
"""The pattern of issue 19: 19 stars, backtracking regexps take minutes on 40 `a`s."""
NAME = "a" * 40


def make_tree(root: Path, files: list[str], ignore: str | None = None) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    if ignore is not None:
        (root / ".dockerignore").write_text(ignore)
    return root


def sent(root: Path) -> list[str]:
    hashes, note = hash_context(root)
    assert hashes is not None, note
    return sorted(hashes)


# -- the cases of issue 19 --------------------------------------------------------------


def _evil_ignore(root: str) -> tuple[list[str], bool, bool]:
    tree = make_tree(Path(root), [NAME, "a" * 39 + "c"], EVIL)
    return sent(tree), IgnoreRules.from_text(EVIL).excluded(NAME), source_takes(EVIL, NAME)


def test_the_backtracking_pattern_of_issue_19_answers_at_once(tmp_path: Path) -> None:
    files, excluded, taken = finishes(_evil_ignore, str(tmp_path))
    assert files == [".dockerignore", NAME]  # "aaa…c" matches: excluded
    assert excluded is False and taken is False


def test_a_class_of_one_bang_is_accepted_as_docker_does(tmp_path: Path) -> None:
    make_tree(tmp_path, ["!", "a", "b", "[", "a]"], "[!]\n")
    assert sent(tmp_path) == [".dockerignore", "[", "a", "a]", "b"]


def _evil_copy_miss() -> str:
    from buildtui.builds.evidence import BuildEvidence
    from buildtui.builds.misses import _changed_context

    def evidence(hashes: dict[str, str]) -> BuildEvidence:
        return BuildEvidence("/ctx", "/ctx/Dockerfile", "", hashes)

    old = evidence({NAME: "1", "x": "1"})
    new = evidence({NAME: "2", "x": "2"})
    return repr(_changed_context(old, new, f"COPY {EVIL} /dst/", Deadline(None)))


def test_a_backtracking_copy_glob_does_not_hang_the_miss_explanation() -> None:
    assert finishes(_evil_copy_miss) == "[]"


# -- moby's semantics, as the engine showed them ----------------------------------------


@pytest.mark.parametrize(
    ("ignore", "files", "kept"),
    [
        ("[!a]\n", ["!", "a", "b", "c"], ["b", "c"]),  # not a negation: Go's regexp class
        ("^a*\n", ["a", "ab", "a^b", "b"], ["b"]),  # `^` anchors
        ("a\\b\n", ["a", "ab", "b"], ["ab", "b"]),  # \b: a word boundary, so "a" only
        ("[a*]\n", ["]", "a]", "aa]", "a", "*"], ["*", "a"]),  # [a[^/]*] then `]`
        ("**foo\n", ["fooa", "barfoo", "foo", "x/foo"], ["fooa"]),  # a suffix
        ("\\d*\n", ["1abc", "dabc"], ["dabc"]),  # \d is a digit
        ("x\n!*/b/c\n", ["x/b/c", "x/b/d", "y/c"], ["x/b/c", "y/c"]),  # walks into x
        ("a\n!a/b\na\n", ["a/b", "a/c"], ["a/b"]),  # the parent's result is carried
        ("a/**\n", ["a/b", "a/c/d", "ab"], ["ab"]),
        ("  # not a comment\n", ["# not a comment", "b"], ["b"]),
        ("# a comment\r\n/b\r\n", ["# a comment", "b", "c/b"], ["# a comment", "c/b"]),
        ("*.md\n!README.md\n", ["README.md", "a.md", "d/b.md"], ["README.md", "d/b.md"]),
        ("d/../e\n", ["d/e", "e"], ["d/e"]),
        ("d\\*e\n", ["d*e", "dxe"], ["dxe"]),
    ],
)
def test_patterns_mean_what_they_mean_to_the_engine(
    tmp_path: Path, ignore: str, files: list[str], kept: list[str]
) -> None:
    make_tree(tmp_path, files, ignore)
    assert sent(tmp_path) == sorted([".dockerignore", *kept])


@pytest.mark.parametrize(
    ("pattern", "kind", "regexp"),
    [
        ("a/b", Kind.EXACT, "^a/b"),
        ("a/**", Kind.PREFIX, "^a/"),
        ("**/a", Kind.SUFFIX, "^(.*/)?a"),
        ("a*.b", Kind.REGEXP, "^a[^/]*\\.b$"),
        ("a?[bc]", Kind.REGEXP, "^a[^/][bc]$"),
        ("x/**/y/**", Kind.REGEXP, "^x/(.*/)?y/.*$"),
    ],
)
def test_patterns_translate_as_moby_does(pattern: str, kind: Kind, regexp: str) -> None:
    assert translate(pattern) == (kind, regexp)


def test_the_dockerfiles_own_ignore_file_comes_first(tmp_path: Path) -> None:
    make_tree(tmp_path / "ctx", ["a", "b"], "a\n")
    make_tree(tmp_path / "df", ["Dockerfile", "Dockerfile.dockerignore"])
    (tmp_path / "df" / "Dockerfile.dockerignore").write_text("b\n")
    hashes, _ = hash_context(tmp_path / "ctx", dockerfile=tmp_path / "df" / "Dockerfile")
    assert hashes is not None and sorted(hashes) == [".dockerignore", "a"]
    evidence = collect(
        ["docker", "buildx", "build", "-f", str(tmp_path / "df" / "Dockerfile"), "ctx"],
        cwd=tmp_path,
    )
    assert sorted(evidence.context_hashes or {}) == [".dockerignore", "a"]


# -- what docker refuses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ignore", "says"),
    [
        ("[abc\n", "syntax error in the .dockerignore pattern '[abc'"),
        ("!\n", 'illegal exclusion pattern: "!"'),
        ("a\\\n", "syntax error"),  # a trailing backslash (Go's filepath.Match refuses)
        ("[]a]\n", "syntax error"),
        ("x" * 70_000 + "\n", "line 1 of the .dockerignore is longer than 64 KiB"),
    ],
)
def test_a_dockerignore_docker_refuses_is_named_not_raised(
    tmp_path: Path, ignore: str, says: str
) -> None:
    with pytest.raises(IgnoreFileError) as caught:
        IgnoreRules.from_text(ignore)
    assert says in str(caught.value)
    make_tree(tmp_path, ["a"], ignore)
    hashes, note = hash_context(tmp_path)
    assert hashes is None and note is not None and says in note
    assert "docker stops the build on it too" in note


@pytest.mark.parametrize("ignore", ["a\\e*\n", "[z-a]*\n", "\\1*\n"])
def test_a_pattern_go_cannot_compile_stops_hashing_with_a_reason(
    tmp_path: Path, ignore: str
) -> None:
    make_tree(tmp_path, ["a"], ignore)
    hashes, note = hash_context(tmp_path)
    assert hashes is None and note is not None and "cannot be used" in note
    assert "docker stops the build on it too" in note


def test_a_pattern_buildtui_cannot_match_says_so(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a"], "\\pL*\n")
    hashes, note = hash_context(tmp_path)
    assert hashes is None and note is not None
    assert "buildtui does not match" in note and "docker stops" not in note


def test_a_fifo_named_dockerignore_does_not_block(tmp_path: Path) -> None:
    import os

    make_tree(tmp_path, ["a"])
    os.mkfifo(tmp_path / ".dockerignore")
    hashes, _ = finishes(hash_context, tmp_path)
    assert hashes is not None and sorted(hashes) == ["a"]


# -- deadlines inside a match -----------------------------------------------------------


def test_a_deadline_stops_a_regexp_match_in_the_middle_of_a_name() -> None:
    regexp = GoRegexp("^" + "[^/]*a" * 200 + "$")
    with pytest.raises(DeadlineExceeded):
        regexp.search("a" * 5000, Deadline(-1))
    assert regexp.search("a" * 5000) is True


def test_a_deadline_stops_a_glob_match_in_the_middle_of_a_name() -> None:
    glob = "*a" * 200 + "*c"
    with pytest.raises(DeadlineExceeded):
        glob_match(glob, "a" * 5000, Deadline(-1))
    assert glob_match(glob, "a" * 5000) is False


def test_hashing_stops_at_its_deadline_inside_one_match(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a" * 200], "[^/]*a" * 2000 + "\n")
    hashes, note = hash_context(tmp_path, max_seconds=0.0)
    assert hashes is None and note is not None and "hashing took over 0 s" in note


# -- the building blocks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("regexp", "name", "found"),
    [
        ("^a[^/]*$", "abc", True),
        ("^a[^/]*$", "ab/c", False),
        ("^(.*/)?b$", "x/y/b", True),
        ("^(.*/)?b$", "x\n/b", False),  # `.` is not a newline
        ("^a\\Qb$", "ab$xyz", True),  # \Q...: the `$` is a literal, nothing anchors
        ("^[[:alpha:]]$", "q", True),
        ("^[[:^digit:]x]$", "5", False),
        ("^\\x41\\x{42}\\101$", "ABA", True),
        ("^[]a]$", "]", True),
        ("^[^]a]$", "b", True),
        ("^a|b$", "xxb", True),
        ("^\\w+\\B$", "ab", False),
        ("^a\\b$", "a", True),
    ],
)
def test_go_regexp_subset(regexp: str, name: str, found: bool) -> None:
    assert GoRegexp(regexp).search(name) is found


@pytest.mark.parametrize(
    "regexp", ["^a**$", "*a", "^(a$", "^a)$", "^[a$", "^\\8$", "^\\x4$", "^(?i)a$", "^\\C$"]
)
def test_go_regexp_refuses_what_go_refuses(regexp: str) -> None:
    with pytest.raises(PatternError):
        GoRegexp(regexp)


@pytest.mark.parametrize(
    ("glob", "name", "found"),
    [
        ("*.txt", "a.txt", True),
        ("*.txt", "d/a.txt", False),
        ("a[^x]c", "a/c", True),  # a class may match `/` (Go does)
        ("[!]", "!", True),  # `!` is no negation in Go's globs
        ("*a[/x]*", "axa/", False),  # the first fit of a chunk is kept, as in Go
        ("\\*", "*", True),
        ("[a-c]?", "bz", True),
        ("[z-a]", "m", False),
    ],
)
def test_go_glob(glob: str, name: str, found: bool) -> None:
    assert glob_match(glob, name) is found


@pytest.mark.parametrize("glob", ["[", "a\\", "[]", "[-a]", "[a-]", "*[^]"])
def test_go_glob_refuses_what_go_refuses(glob: str) -> None:
    with pytest.raises(PatternError):
        glob_match(glob, "anything")


@pytest.mark.parametrize(
    ("path", "clean"),
    [("", "."), ("//a//b/", "/a/b"), ("a/../..", ".."), ("/../a", "/a"), ("./a\\b", "a\\b")],
)
def test_go_clean(path: str, clean: str) -> None:
    assert go_clean(path) == clean


@pytest.mark.parametrize(
    ("source", "path", "taken"),
    [
        ("src/", "src/index.js", True),
        (".", "anything/at/all", True),
        ("../src", "src/a", True),
        ("package*.json", "package-lock.json", True),
        ("src", "srcx/a.js", False),
        ("package*.json", "src/package.json", False),
        ("src/*/x", "src/a/x/deep", True),  # a folder that matches is taken whole
        ("src/*/x", "src/a/b/x", False),
        ("**/*.js", "a/b.js", True),  # `**` is `*` twice: one element
        ("**/*.js", "a/b/c.js", False),
        ("a\\*b/*", "a\\*b/c", True),  # escaped: part of the plain folder
        ("[", "[", False),  # a malformed glob takes nothing
    ],
)
def test_copy_sources_take_what_buildkit_copies(source: str, path: str, taken: bool) -> None:
    assert source_takes(source, path) is taken


def test_copy_sources_split_at_the_first_wildcard() -> None:
    assert split_source("/a/b*/c") == ("a", "b*/c")
    assert split_source("a/b") == ("a/b", "")
