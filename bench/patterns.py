"""How long `.dockerignore` and COPY glob matching take on the pattern of issue 19
(`*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c`, which backtracking regexps take minutes
on), and hashing a whole context that has it in its `.dockerignore`.

Run: `.venv/bin/python bench/patterns.py [--names N] [--files N] [--repeat R]`.

Measured, each the median of R runs:
1. one `.dockerignore` match of that pattern against a 40-character name, the first
   one (compiling the pattern into its program included) and then per name over N
   distinct 40-character names (goal: <= 100 ms each; they take microseconds);
2. the same with Go's filepath.Match rules of a COPY/ADD source;
3. `hash_context` of a context of N files with 40-character names under that
   `.dockerignore` (reading, walking, matching and SHA-256 of each small file);
4. the worst case for a linear matcher: a 500-element pattern against a 1,000-character
   name (one match, no cache to help: O(pattern x name) steps), and how long a
   2,000-element one against a 4,000-character name runs before the 3 s deadline of
   a context's hashing stops it inside the match.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from buildtui.builds.copy_sources import source_takes
from buildtui.builds.deadline import Deadline, DeadlineExceeded
from buildtui.builds.dockerignore import IgnoreRules
from buildtui.builds.evidence import MAX_SECONDS, hash_context
from buildtui.builds.go_regexp import GoRegexp

EVIL = "*a" * 18 + "*c"


def names(count: int, seed: int = 19) -> list[str]:
    """Distinct 40-character names of `a`s with a few other letters (so that most of
    the pattern has to be tried), and the all-`a` one."""
    rng = random.Random(seed)
    out = {"a" * 40}
    while len(out) < count:
        chars = ["a"] * 40
        for _ in range(rng.randint(0, 3)):
            chars[rng.randrange(40)] = rng.choice("bc")
        out.add("".join(chars))
    return sorted(out)


def timed(call: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=2000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sample = names(args.names)

    first = timed(lambda: IgnoreRules.from_text(EVIL).excluded("a" * 40), args.repeat)
    rules = IgnoreRules.from_text(EVIL)
    each = timed(lambda: [rules.excluded(n) for n in sample], args.repeat) / len(sample)
    print(f".dockerignore {EVIL}")
    print(f"  first 40-char name, compiling included: {first * 1000:8.3f} ms  (goal <= 100 ms)")
    print(
        f"  per 40-char name, {len(sample):,} names:      {each * 1000:8.3f} ms  (goal <= 100 ms)"
    )

    copy_first = timed(lambda: source_takes(EVIL, "a" * 40), args.repeat)
    copy_each = timed(lambda: [source_takes(EVIL, n) for n in sample], args.repeat) / len(sample)
    print(f"COPY {EVIL}")
    print(
        f"  one 40-char name:                       {copy_first * 1000:8.3f} ms  (goal <= 100 ms)"
    )
    print(f"  per 40-char name, {len(sample):,} names:      {copy_each * 1000:8.3f} ms")

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in names(args.files, seed=7):
            (root / name).write_text(name)
        (root / ".dockerignore").write_text(EVIL + "\n")
        hashes: dict[str, str] | None = None

        def run() -> None:
            nonlocal hashes
            hashes, note = hash_context(root)
            assert hashes is not None, note

        whole = timed(run, args.repeat)
        assert hashes is not None
        print(f"hash_context, {args.files:,} files of 40-char names, that .dockerignore:")
        print(f"  {whole * 1000:8.1f} ms  ({len(hashes):,} files hashed)")

    pattern = "^" + "[^/]*a" * 500 + "$"
    worst = timed(lambda: GoRegexp(pattern).search("a" * 999 + "b"), args.repeat)
    print("worst case: a 500-element regexp against a 1,000-character name, one match:")
    print(f"  {worst * 1000:8.1f} ms")
    huge = GoRegexp("^" + "[^/]*a" * 2000 + "$")
    start = time.perf_counter()
    try:
        huge.search("a" * 3999 + "b", Deadline(MAX_SECONDS))
        outcome = "finished"
    except DeadlineExceeded:
        outcome = "stopped by the deadline"
    print("a 2,000-element regexp against a 4,000-character name, with hashing's deadline:")
    print(f"  {(time.perf_counter() - start) * 1000:8.1f} ms  ({outcome})")


if __name__ == "__main__":
    main()
