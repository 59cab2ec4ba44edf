"""`.dockerignore` as BuildKit applies it (moby's patternmatcher and ignorefile, and
fsutil's walk of the context), matched in linear time.

Reading (ignorefile.ReadAll): a line starting with `#` is a comment; each other line
is trimmed, `!` makes it an exception, it is cleaned like a path (Go's
filepath.Clean) and one leading `/` is dropped. A line over 64 KiB is refused, as are
a bare `!` and a pattern Go's filepath.Match refuses (`IgnoreFileError`).

Matching (patternmatcher): a pattern without `*?[]\\` is compared as it stands; a
trailing `**` matches by prefix, a leading `**` by suffix; any other becomes moby's
regexp (`*` is `[^/]*`, `?` is `[^/]`, `**` is `(.*/)?`, `[...]` and `\\x` go through
as Go's regexp syntax reads them: `[!]` is the class of `!`, `\\b` a word boundary)
and is matched by `GoRegexp`, without backtracking. The last pattern that matches a
path, or one of its parent folders, decides; a folder's matches are carried to its
children as fsutil does (`MatchesUsingParentResults`), and an excluded folder is not
entered unless an exception could bring something in it back.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from buildtui.builds.deadline import NO_DEADLINE, Deadline
from buildtui.builds.go_glob import (
    PatternError,
    UnsupportedPattern,
    check_glob,
    go_clean,
    go_trim_space,
)
from buildtui.builds.go_regexp import GoRegexp
from buildtui.i18n import _

MAX_LINE_BYTES = 64 * 1024
"""Go's bufio.Scanner refuses a longer line; so does docker."""
PREFIX_ONLY_CHARS = "*[]?^\\"


class IgnoreFileError(PatternError):
    """A `.dockerignore` that docker refuses too; the message says which line."""


class Kind(Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    REGEXP = "regexp"


def translate(pattern: str) -> tuple[Kind, str]:
    """How patternmatcher matches `pattern`: its kind and (for REGEXP) the regexp."""
    out = ["^"]
    kind = Kind.EXACT
    i, n, step = 0, len(pattern), 0
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                if i >= n:
                    if kind is Kind.EXACT:
                        kind = Kind.PREFIX
                    else:
                        out.append(".*")
                        kind = Kind.REGEXP
                else:
                    out.append("(.*/)?")
                    kind = Kind.REGEXP
                if step == 0:
                    kind = Kind.SUFFIX
            else:
                out.append("[^/]*")
                kind = Kind.REGEXP
        elif c == "?":
            out.append("[^/]")
            kind = Kind.REGEXP
        elif c in ".+()|{}$":
            out.append("\\" + c)
        elif c == "\\":
            if i < n:
                out.append("\\" + pattern[i])
                i += 1
                kind = Kind.REGEXP
            else:
                out.append("\\")
        elif c in "[]":
            out.append(c)
            kind = Kind.REGEXP
        else:
            out.append(c)
        step += 1
    if kind is Kind.REGEXP:
        out.append("$")
    return kind, "".join(out)


@dataclass(slots=True)
class Pattern:
    text: str
    """The cleaned pattern, without its `!`."""
    exception: bool
    kind: Kind = field(init=False)
    regexp_text: str = field(init=False)
    _regexp: GoRegexp | None = field(init=False, default=None)
    _error: PatternError | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.kind, self.regexp_text = translate(self.text)

    def match(self, path: str, deadline: Deadline = NO_DEADLINE) -> bool:
        """Whether `path` (slash-separated, relative) matches; raises PatternError when
        Go cannot compile its regexp (docker fails the build then, at the first path
        this pattern is tried on)."""
        kind = self.kind
        if kind is Kind.EXACT:
            return path == self.text
        if kind is Kind.PREFIX:
            return path.startswith(self.text[:-2])
        if kind is Kind.SUFFIX:
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])
        return self.regexp().search(path, deadline)

    def regexp(self) -> GoRegexp:
        if self._error is not None:
            raise self._error
        if self._regexp is None:
            try:
                self._regexp = GoRegexp(self.regexp_text)
            except UnsupportedPattern as error:
                self._error = UnsupportedPattern(
                    _("the .dockerignore pattern {text!r} cannot be matched: {error}").format(
                        text=self.text, error=error
                    )
                )
                raise self._error from None
            except PatternError as error:
                self._error = PatternError(
                    _("the .dockerignore pattern {text!r} cannot be used: {error}").format(
                        text=self.text, error=error
                    )
                )
                raise self._error from None
        return self._regexp

    @property
    def prefix_text(self) -> str:
        """The pattern without a trailing `/**` or `/*` (fsutil's patternWithoutTrailingGlob)."""
        return self.text.removesuffix("/**").removesuffix("/*")


def read_patterns(text: str) -> list[str]:
    """The patterns of a `.dockerignore`'s text, as ignorefile.ReadAll gives them."""
    out = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 1:
            line = line.removeprefix("\ufeff")
        if len(line.encode("utf-8", "surrogateescape")) >= MAX_LINE_BYTES:
            raise IgnoreFileError(
                _(
                    "line {number} of the .dockerignore is longer than 64 KiB (docker "
                    "refuses it: bufio.Scanner: token too long)"
                ).format(number=number)
            )
        if line.startswith("#"):
            continue
        line = go_trim_space(line)
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = go_trim_space(line[1:])
        if line:
            line = go_clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        out.append("!" + line if invert else line)
    return out


def compile_patterns(lines: Iterable[str]) -> list[Pattern]:
    """patternmatcher.New: each pattern cleaned again, `!` split off, syntax checked."""
    patterns = []
    for raw in lines:
        line = go_trim_space(raw)
        if not line:
            continue
        line = go_clean(line)
        exception = line.startswith("!")
        if exception:
            if len(line) == 1:
                raise IgnoreFileError('illegal exclusion pattern: "!"')
            line = line[1:]
        try:
            check_glob(line)
        except PatternError:
            raise IgnoreFileError(
                _(
                    "syntax error in the .dockerignore pattern {line!r} (docker refuses it too)"
                ).format(line=line)
            ) from None
        patterns.append(Pattern(line, exception))
    return patterns


ParentMatches = tuple[bool, ...] | None
"""Which patterns matched a folder (or one of its parents); None at the top."""


class IgnoreRules:
    """The patterns of one `.dockerignore`."""

    def __init__(self, patterns: Iterable[Pattern] = ()) -> None:
        self.patterns = list(patterns)
        self.has_exceptions = any(p.exception for p in self.patterns)
        self.prefix_only_exceptions = not any(
            p.exception and any(c in p.prefix_text for c in PREFIX_ONLY_CHARS)
            for p in self.patterns
        )

    @classmethod
    def from_text(cls, text: str) -> IgnoreRules:
        """Raises IgnoreFileError for a file docker refuses."""
        return cls(compile_patterns(read_patterns(text)))

    def match(
        self, path: str, parent: ParentMatches = None, deadline: Deadline = NO_DEADLINE
    ) -> tuple[bool, tuple[bool, ...]]:
        """(excluded, what to pass to its children): MatchesUsingParentResults. A
        pattern is tried only when it could change the answer so far, and what it
        matched in the parent folder counts as matched here."""
        excluded = False
        matches = [False] * len(self.patterns)
        for i, pattern in enumerate(self.patterns):
            found = parent[i] if parent else False
            if not found:
                if pattern.exception != excluded:
                    continue
                found = pattern.match(path, deadline)
                if not found and not parent:
                    folder = posixpath.dirname(path)
                    if folder:
                        parts = folder.split("/")
                        for k in range(1, len(parts) + 1):
                            if pattern.match("/".join(parts[:k]), deadline):
                                found = True
                                break
            matches[i] = found
            if found:
                excluded = not pattern.exception
        return excluded, tuple(matches)

    def skips(self, folder: str) -> bool:
        """Whether an excluded `folder` is not entered at all: no exception could bring
        back anything inside it (fsutil enters it when an exception has wildcards)."""
        if not self.prefix_only_exceptions:
            return False
        if not self.has_exceptions:
            return True
        inside = folder + "/"
        return not any(
            p.exception and (p.prefix_text + "/").startswith(inside) for p in self.patterns
        )

    def excluded(self, path: str, deadline: Deadline = NO_DEADLINE) -> bool:
        """Whether the context path `path` (slash-separated, relative) is left out, as
        walking the context down to it finds."""
        if not self.patterns:
            return False
        parts = path.split("/")
        parent: ParentMatches = None
        for k in range(1, len(parts)):
            folder = "/".join(parts[:k])
            out, parent = self.match(folder, parent, deadline)
            if out and self.skips(folder):
                return True
        return self.match(path, parent, deadline)[0]
