"""buildtui's idea of a build context against what the real engine sends, and of a
COPY glob against what it copies.

One build on the engine's `default` builder: each case is a named build context
(`--build-context cN=DIR`, whose `.dockerignore` BuildKit applies as it does to the
main context) copied whole (`COPY --from=cN . /cN/`), the glob cases copy from one
context with `COPY --from=globs GLOB /gN/`, and the main context has its Dockerfile's
own ignore file; everything is exported with `-o type=local`. The files found there
must be the files `hash_context` hashes, and the contents a glob copied (each file
holds its own path) the files `source_takes` says it takes.

The corpus: the cases of the unit tests, the patterns of issue 19 and a seeded random
set drawn from the whole pattern language (exceptions with wildcards, `**x`,
classes with `!` and `^`, escapes), where docker-py and moby disagree.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from buildtui.builds.copy_sources import source_takes
from buildtui.builds.evidence import hash_context
from tests.integration.lab import docker

EVIL = "*a" * 18 + "*c"

CASES: list[tuple[str, list[str]]] = [
    ("[!a]\n", ["!", "a", "b", "c"]),
    ("^a*\n", ["a", "ab", "a^b", "b"]),
    ("a\\b\n", ["a", "ab", "b"]),
    ("[a*]\n", ["]", "a]", "aa]", "a", "*"]),
    ("**foo\n", ["fooa", "barfoo", "foo", "x/foo"]),
    ("\\d*\n", ["1abc", "dabc"]),
    ("x\n!*/b/c\n", ["x/b/c", "x/b/d", "y/c"]),
    ("a\n!a/b\na\n", ["a/b", "a/c"]),
    ("a/**\n", ["a/b", "a/c/d", "ab"]),
    ("  # not a comment\n", ["# not a comment", "b"]),
    ("# a comment\r\n/b\r\n", ["# a comment", "b", "c/b"]),
    ("*.md\n!README.md\n", ["README.md", "a.md", "d/b.md"]),
    ("d/../e\n", ["d/e", "e"]),
    ("d\\*e\n", ["d*e", "dxe"]),
    ("[!]\n", ["!", "a", "b", "[", "a]"]),
    (EVIL + "\n", ["a" * 40, "a" * 39 + "c", "b" * 39 + "c"]),
    ("\ufeff/a\n!  /a/keep \n**/tmp/**\n", ["a/keep", "a/drop", "x/tmp/y", "tmp/z", "tmpx"]),
    ("*\n!*/*.txt\n", ["a/b.txt", "a/c.md", "top.txt", "d/e/f.txt"]),
    ("**/b\n!**/a/b\n", ["b", "a/b", "x/a/b/c", "x/b/c"]),
    ("a?[0-9]\n[^x]y\n", ["ab1", "ab", "a/1", "zy", "xy"]),
]

GLOB_FILES = [
    "a" * 40,
    "a" * 39 + "c",
    "package.json",
    "package-lock.json",
    "src/a.js",
    "src/b/c.js",
    "src/b/x",
    "sub/a/x/deep",
    "sub/b/y",
    "[x]",
    "x",
    "a.txt",
    "b.txt",
]
GLOBS = [EVIL, "package*.json", "src/*", "sub/*/x", "**/*.js", "[ab].txt", "[[]x]", "*"]
"""Sources as fsutil sees them: the Dockerfile's word processing has already taken its
backslashes (`\\[x]` reaches it as `[x]`), as `misses._copy_sources` does too."""

WORDS = ["a", "b", "ab", "a.b", "!a", "x"]
ATOMS = ["a", "b", "*", "?", "**", "[ab]", "[!a]", "[^a]", "[a-b]", "\\*", ".", "!", "^"]


def _random_cases(seed: int, count: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        files = sorted(
            {
                "/".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
                for _ in range(rng.randint(3, 9))
            }
        )
        files = [f for f in files if not any(g.startswith(f + "/") for g in files)]
        lines = []
        for _ in range(rng.randint(1, 4)):
            elements = [
                "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 3)))
                for _ in range(rng.randint(1, 3))
            ]
            line = "/".join(elements)
            if rng.random() < 0.3:
                line = "!" + line
            if rng.random() < 0.2:
                line = "/" + line
            lines.append(line)
        cases.append(("\n".join(lines) + "\n", files))
    return cases


def _write(root: Path, files: list[str], ignore: str | None = None) -> None:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    if ignore is not None:
        (root / ".dockerignore").write_text(ignore)


def _files(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()
    )


def _usable(ignore: str) -> bool:
    """Whether docker takes this .dockerignore (else the build would fail on it)."""
    from buildtui.builds.dockerignore import IgnoreRules
    from buildtui.builds.go_glob import PatternError

    try:
        rules = IgnoreRules.from_text(ignore)
        for pattern in rules.patterns:
            pattern.match("probe")
    except PatternError:
        return False
    return True


@pytest.mark.usefixtures("engine")
def test_the_context_and_copy_globs_are_what_the_engine_sends_and_copies(
    tmp_path: Path,
) -> None:
    cases = [c for c in CASES + _random_cases(19, 40) if _usable(c[0])]
    lines = ["FROM scratch"]
    arguments: list[str] = []
    for n, (ignore, files) in enumerate(cases):
        context = tmp_path / f"c{n}"
        _write(context, files, ignore)
        arguments += ["--build-context", f"c{n}={context}"]
        lines.append(f"COPY --from=c{n} . /c{n}/")
    _write(tmp_path / "globs", GLOB_FILES)
    arguments += ["--build-context", f"globs={tmp_path / 'globs'}"]
    for n, glob in enumerate(GLOBS):
        lines.append(f'COPY --from=globs ["{glob}", "/g{n}/"]')
    main = tmp_path / "main"
    _write(main, ["a", "b", "c"], "a\n")
    dockerfile = tmp_path / "df" / "Dockerfile"
    dockerfile.parent.mkdir()
    (dockerfile.parent / "Dockerfile.dockerignore").write_text("b\n")
    lines.append("COPY . /main/")
    dockerfile.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    docker(
        "buildx", "build", "--builder", "default", *arguments, "-f", str(dockerfile),
        "-o", f"type=local,dest={out}", str(main), timeout=600,
    )  # fmt: skip

    differences = []
    for n, (ignore, files) in enumerate(cases):
        hashes, note = hash_context(tmp_path / f"c{n}")
        ours = sorted(hashes) if hashes is not None else [f"(none: {note})"]
        engine = _files(out / f"c{n}")
        if ours != engine:
            differences.append(f"{ignore!r} on {files}: buildtui {ours}, engine {engine}")
    hashes, _ = hash_context(main, dockerfile=dockerfile)
    if sorted(hashes or {}) != _files(out / "main"):
        differences.append(
            f"main context: buildtui {sorted(hashes or {})}, engine sent {_files(out / 'main')}"
        )
    for n, glob in enumerate(GLOBS):
        copied = sorted(p.read_text() for p in (out / f"g{n}").rglob("*") if p.is_file())
        taken = sorted(f for f in GLOB_FILES if source_takes(glob, f))
        if copied != taken:
            differences.append(f"COPY {glob}: buildtui takes {taken}, the engine copied {copied}")
    assert not differences, "\n".join(differences)
