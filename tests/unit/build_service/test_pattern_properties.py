"""Property tests: buildtui's idea of a build context against docker-py's (the Python
SDK's `.dockerignore` matcher, `docker.utils.build.PatternMatcher`), on random trees
and random patterns.

docker-py follows moby's older rules, so the patterns drawn are the language on which
the two agree: names of `a`/`b`, `*`, `?`, `[ab]`, `[a-b]`, `**` as a whole element
(not at the very start followed by a name: moby matches `**x` by suffix), a leading
`/`; exceptions name plain paths and come after the patterns (docker-py does not carry
a folder's results to its children, and enters a folder only for an exception that
spells it out). Where the two differ, the real engine decides: see
tests/integration/test_context_patterns.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from docker.utils.build import PatternMatcher
from hypothesis import given, settings
from hypothesis import strategies as st

from buildtui.builds.evidence import hash_context

EXAMPLES = settings().max_examples  # the profile's base count (tests/conftest.py)
NAMES = st.text("ab", min_size=1, max_size=3)
ATOMS = st.sampled_from(["a", "b", "*", "?", "[ab]", "[a-b]", "a*", "*b", "?a", "[ab]*"])
ELEMENT = st.lists(ATOMS, min_size=1, max_size=3).map("".join)
PATHS = st.lists(NAMES, min_size=1, max_size=4).map("/".join)


@st.composite
def patterns(draw: st.DrawFn) -> str:
    elements = draw(st.lists(st.one_of(ELEMENT, st.just("**")), min_size=1, max_size=4))
    text = "/".join(elements)
    if draw(st.booleans()):
        text = "/" + text
    return text


@st.composite
def trees(draw: st.DrawFn) -> list[str]:
    """File paths where no file is also a folder."""
    paths = draw(st.lists(PATHS, min_size=1, max_size=12, unique=True))
    files: list[str] = []
    for path in sorted(paths, key=len):
        if any(path.startswith(f + "/") or f.startswith(path + "/") for f in files):
            continue
        files.append(path)
    return files


def _context(root: Path, files: list[str], lines: list[str]) -> None:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (root / ".dockerignore").write_text("\n".join(lines) + "\n")


def _docker_py(root: Path, lines: list[str]) -> list[str]:
    kept = PatternMatcher(lines).walk(str(root))
    return sorted(p for p in kept if (root / p).is_file() and p != ".dockerignore")


def _buildtui(root: Path) -> list[str]:
    hashes, note = hash_context(root)
    assert hashes is not None, note
    return sorted(p for p in hashes if p != ".dockerignore")


def _suffix_pattern(line: str) -> bool:
    text = line.lstrip("/")
    return text.startswith("**") and text[2:3] not in ("", "/")


@settings(max_examples=EXAMPLES * 3)
@given(trees(), st.lists(patterns(), min_size=1, max_size=4))
def test_the_context_is_what_docker_py_sends(files: list[str], lines: list[str]) -> None:
    # moby strips a leading `/` before it reads `**x` (matched by suffix, where docker-py
    # differs): `/**a` is `**a`.
    lines = [line for line in lines if not _suffix_pattern(line)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _context(root, files, lines)
        assert _buildtui(root) == _docker_py(root, lines)


@settings(max_examples=EXAMPLES * 2)
@given(trees(), st.lists(patterns(), min_size=1, max_size=3), st.data())
def test_exceptions_bring_back_what_docker_py_brings_back(
    files: list[str], lines: list[str], data: st.DataObject
) -> None:
    lines = [line for line in lines if "**" not in line]
    exceptions = data.draw(st.lists(st.sampled_from(files), max_size=2))
    lines += [f"!{path}" for path in exceptions]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _context(root, files, lines)
        assert _buildtui(root) == _docker_py(root, lines)
