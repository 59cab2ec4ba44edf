"""Which context files a COPY/ADD source takes, as BuildKit resolves it (fsutil's copy).

The source is made absolute and cleaned (`../x` is `/x`); its elements up to the first
one with an unescaped `*`, `?` or `[` are a plain path; the rest is a glob matched
with Go's filepath.Match against each path under that one, element count for element
count (`*` never crosses `/`; `**` is two stars, not "any folders"). A folder that
matches is taken whole. A malformed glob takes nothing (BuildKit ignores the error).
"""

from __future__ import annotations

from buildtui.builds.deadline import NO_DEADLINE, Deadline
from buildtui.builds.go_glob import PatternError, contains_wildcards, glob_match, go_clean


def split_source(source: str) -> tuple[str, str]:
    """(the plain folder or file, the glob after it, "" for none)."""
    elements = [e for e in go_clean("/" + source).split("/") if e]
    for k, element in enumerate(elements):
        if contains_wildcards(element):
            return "/".join(elements[:k]), "/".join(elements[k:])
    return "/".join(elements), ""


def source_takes(source: str, path: str, deadline: Deadline = NO_DEADLINE) -> bool:
    """Whether the context file `path` (slash-separated, relative) is taken by the
    COPY/ADD source `source` (a path or a glob); DeadlineExceeded past `deadline`."""
    base, glob = split_source(source)
    if not glob:
        return not base or path == base or path.startswith(base + "/")
    if base:
        if not path.startswith(base + "/"):
            return False
        path = path[len(base) + 1 :]
    elements = path.split("/")
    try:
        return any(
            glob_match(glob, "/".join(elements[:k]), deadline) for k in range(1, len(elements) + 1)
        )
    except PatternError:
        return False
