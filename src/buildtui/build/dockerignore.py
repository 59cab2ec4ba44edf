"""`.dockerignore` patterns with Docker's semantics (moby's patternmatcher).

Each non-empty line that does not start with `#` is a pattern, cleaned like a path
(a leading `/` means the context's root, as without it); `*` matches within one path
element, `**` any number of elements, `?` one character, `[...]` a class, `\\` escapes;
`!` makes a pattern an exception. A path is excluded when the last pattern that
matches it, or one of its parent folders, is not an exception.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    exception: bool
    regex: re.Pattern[str]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regular expression matching a whole slash-separated path against `pattern`."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 1
                if i + 1 < n and pattern[i + 1] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    out.append("$")
    return re.compile("".join(out), re.DOTALL)


def clean(path: str) -> str:
    """A pattern or path as Docker cleans it: no leading `/`, no `./`, no `a/../`."""
    cleaned = posixpath.normpath(path.replace("\\", "/")) if path else ""
    return cleaned.lstrip("/") if cleaned not in (".", "/") else ""


def parse(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
        line = clean(line)
        if not line:
            continue
        patterns.append(Pattern(line, exception, glob_regex(line)))
    return patterns


class IgnoreRules:
    """The patterns of one `.dockerignore`."""

    def __init__(self, patterns: Iterable[Pattern] = ()) -> None:
        self.patterns = list(patterns)
        self.has_exceptions = any(p.exception for p in self.patterns)

    @classmethod
    def from_text(cls, text: str) -> IgnoreRules:
        return cls(parse(text))

    def excluded(self, path: str) -> bool:
        """Whether the context path `path` (slash-separated, relative) is left out."""
        if not self.patterns:
            return False
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        result = False
        for pattern in self.patterns:
            if any(pattern.regex.match(prefix) for prefix in prefixes):
                result = not pattern.exception
        return result

    def prunes(self, folder: str) -> bool:
        """Whether a whole folder can be skipped: excluded, and no exception could bring
        back something inside it."""
        if not self.excluded(folder):
            return False
        return not any(
            p.exception and (p.text.startswith(folder + "/") or "*" in p.text)
            for p in self.patterns
        )


def matches_source(source: str, path: str) -> bool:
    """Whether a context file `path` is taken by a COPY/ADD source (a path or a glob)."""
    source = clean(source)
    if not source:
        return True
    if path == source or path.startswith(source + "/"):
        return True
    regex = glob_regex(source)
    parts = path.split("/")
    return any(regex.match("/".join(parts[: i + 1])) for i in range(len(parts)))
