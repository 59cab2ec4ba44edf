"""Go's path rules as Docker applies them: `filepath.Clean`, `strings.TrimSpace` and
`filepath.Match` (the globs of COPY/ADD sources, and the syntax check every
`.dockerignore` pattern passes).

`filepath.Match` semantics (Linux): `*` is any run of characters but `/`, `?` one
character but `/`, `[...]` one character of a class (`[^...]` negated; ranges `a-z`;
`\\` escapes; a class may match `/`), `\\c` the character c. A pattern is matched in
chunks: each run of stars followed by the text up to the next star; a chunk after a
star is taken at its first position that fits, never revisited (as Go does). That is
O(len(pattern) x len(name)) at worst, and the deadline is checked inside the loop.

A malformed pattern (`[` not closed, a class starting with `]` or `-`, a trailing
`\\`) raises `PatternError`, whatever the name, as Go returns ErrBadPattern.
"""

from __future__ import annotations

from buildtui.builds.deadline import NO_DEADLINE, Deadline

_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
"""Go's unicode.IsSpace (Python's str.strip also strips \\x1c-\\x1f, Go does not)."""


class PatternError(ValueError):
    """A pattern that Docker refuses (or that buildtui cannot match); says which."""


class UnsupportedPattern(PatternError):
    """A pattern Docker accepts that buildtui does not match (Go regexp's Unicode classes
    and flags, which moby lets through from a `.dockerignore`)."""


def go_trim_space(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _GO_SPACE:
        start += 1
    while end > start and text[end - 1] in _GO_SPACE:
        end -= 1
    return text[start:end]


def go_clean(path: str) -> str:
    """Go's filepath.Clean: no `//`, no `.` elements, `a/..` removed, `/..` is `/`,
    and `.` for nothing. Backslashes are ordinary characters (they escape in patterns)."""
    if not path:
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    cleaned = "/".join(out)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def contains_wildcards(element: str) -> bool:
    """Whether a path element has an unescaped `*`, `?` or `[` (fsutil's test)."""
    i = 0
    while i < len(element):
        c = element[i]
        if c == "\\":
            i += 2
            continue
        if c in "*?[":
            return True
        i += 1
    return False


def _bad(pattern: str) -> PatternError:
    return PatternError(f"syntax error in pattern {pattern!r}")


def _scan_chunk(pattern: str, i: int) -> tuple[bool, int, int]:
    """(stars before it, chunk start, chunk end) from `pattern[i:]`."""
    n = len(pattern)
    star = False
    while i < n and pattern[i] == "*":
        i += 1
        star = True
    start = i
    in_range = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 < n:
                i += 1
        elif c == "[":
            in_range = True
        elif c == "]":
            in_range = False
        elif c == "*" and not in_range:
            break
        i += 1
    return star, start, i


def _class_char(pattern: str, i: int, end: int) -> tuple[str, int]:
    """One character of a class (Go's getEsc); raises on `-`, `]`, the end."""
    if i >= end or pattern[i] in "-]":
        raise _bad(pattern)
    if pattern[i] == "\\":
        i += 1
        if i >= end:
            raise _bad(pattern)
    char = pattern[i]
    i += 1
    if i >= end:
        raise _bad(pattern)
    return char, i


def _match_chunk(pattern: str, start: int, end: int, name: str, at: int) -> int:
    """Where `name[at:]` is after the chunk `pattern[start:end]`, or -1 when it does
    not fit; the whole chunk is read either way, so a malformed one always raises."""
    failed = False
    i = start
    n = len(name)
    while i < end:
        if not failed and at >= n:
            failed = True
        c = pattern[i]
        if c == "[":
            char = None
            if not failed:
                char = name[at]
                at += 1
            i += 1
            negated = i < end and pattern[i] == "^"
            if negated:
                i += 1
            matched = False
            ranges = 0
            while True:
                if i < end and pattern[i] == "]" and ranges > 0:
                    i += 1
                    break
                low, i = _class_char(pattern, i, end)
                high = low
                if pattern[i] == "-":
                    high, i = _class_char(pattern, i + 1, end)
                if char is not None and low <= char <= high:
                    matched = True
                ranges += 1
            if matched == negated:
                failed = True
        elif c == "?":
            if not failed:
                if name[at] == "/":
                    failed = True
                at += 1
            i += 1
        else:
            if c == "\\":
                i += 1
                if i >= end:
                    raise _bad(pattern)
            if not failed:
                if pattern[i] != name[at]:
                    failed = True
                at += 1
            i += 1
    return -1 if failed else at


def glob_match(pattern: str, name: str, deadline: Deadline = NO_DEADLINE) -> bool:
    """Go's filepath.Match(pattern, name); raises PatternError for a malformed pattern
    and DeadlineExceeded past `deadline`."""
    i, n = 0, len(pattern)
    at = 0
    while i < n:
        star, start, end = _scan_chunk(pattern, i)
        i = end
        if star and start == end:
            # Trailing stars: the rest of the name, if it has no separator.
            return "/" not in name[at:]
        after = _match_chunk(pattern, start, end, name, at)
        if after >= 0 and (after == len(name) or i < n):
            at = after
            continue
        if star:
            found = False
            k = at
            while k < len(name) and name[k] != "/":
                if (k - at) & 63 == 63:
                    deadline.check()
                after = _match_chunk(pattern, start, end, name, k + 1)
                k += 1
                if after >= 0:
                    if i >= n and after < len(name):
                        continue
                    at = after
                    found = True
                    break
            if found:
                continue
        # No match: the rest of the pattern must still be well formed.
        while i < n:
            _, start, end = _scan_chunk(pattern, i)
            i = end
            _match_chunk(pattern, start, end, "", 0)
        return False
    return at == len(name)


def check_glob(pattern: str) -> None:
    """Raise PatternError when Go's filepath.Match refuses `pattern` (as Docker checks
    each `.dockerignore` pattern)."""
    glob_match(pattern, ".")
