"""The lines of a build's log that prove a point, for the report: the push and the index
digest, the cache export, the cache import with its outcome, the CACHED steps.

Never a misleading excerpt: a base image's `FROM …` resolved from the local store prints
CACHED in every build, so only the steps the cache counts are shown as CACHED; a build
with none says so instead of showing the FROM lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from buildtui.buildlog.parser import sanitize

PUSH = "push"
CACHE_EXPORT = "cache-export"
CACHE_IMPORT = "cache-import"
CACHED = "cached"
EXPORT = "export"
LIMIT = 80

_STEP = re.compile(r"^#(\d+) (\[.*)$")
_CACHED = re.compile(r"^#(\d+) CACHED\s*$")
_IMPORT = re.compile(r"^#(\d+) importing cache manifest")
_PUSH = re.compile(
    r"^#\d+ (exporting manifest list sha256:|pushing manifest for |naming to |"
    r"pushing layers.* done)"
)
_CACHE_EXPORT = re.compile(
    r"^#\d+ (exporting cache to registry|preparing build cache for export.*done|"
    r"writing config sha256:.*done|writing cache manifest sha256:|"
    r"ERROR: (failed to )?(export|push))"
)
_WRITING_LAYER = re.compile(r"^#\d+ writing layer (sha256:\S+)")
_EXPORT = re.compile(
    r"^#\d+ (exporting to (client|oci|docker|image)|copying files|sending tarball|"
    r"exporting layers.*done|importing to docker|writing image sha256:)"
)


def counted_step(name: str) -> bool:
    """A step the cache counts: `[stage n/m] RUN …`, not `FROM …` nor `[internal] …`."""
    return "] FROM " not in name and not name.startswith("[internal]") and "/" in name


def excerpt(log: str, purposes: Iterable[str], limit: int = LIMIT) -> list[str]:
    """The lines of `log` that serve `purposes` (PUSH, CACHE_EXPORT, CACHE_IMPORT, CACHED,
    EXPORT), in the log's order, without control characters; at most `limit` lines."""
    wanted = set(purposes)
    names: dict[str, str] = {}
    importing: set[str] = set()
    out: list[str] = []
    layers: set[str] = set()
    for raw in log.splitlines():
        line = sanitize(raw)
        step = _STEP.match(line)
        if step and step.group(1) not in names:
            names[step.group(1)] = step.group(2)
        if CACHE_IMPORT in wanted:
            imported = _IMPORT.match(line)
            number = line.split(" ", 1)[0][1:] if line.startswith("#") else ""
            if imported:
                importing.add(imported.group(1))
                out.append(line)
                continue
            if number in importing and (" DONE" in line or "ERROR" in line):
                out.append(line)
                continue
        if CACHED in wanted:
            cached = _CACHED.match(line)
            if cached:
                name = names.get(cached.group(1), "")
                if counted_step(name):
                    out += [f"#{cached.group(1)} {name}", line]
                continue
        if PUSH in wanted and _PUSH.match(line):
            out.append(line)
            continue
        if CACHE_EXPORT in wanted:
            layer = _WRITING_LAYER.match(line)
            if layer:
                layers.add(layer.group(1))
                continue
            if _CACHE_EXPORT.match(line):
                out.append(line)
                if "writing cache manifest" in line and layers:
                    out.append(f"   ({len(layers)} cache layers written before it)")
                continue
        if EXPORT in wanted and _EXPORT.match(line):
            out.append(line)
    out = _once(out)
    if len(out) > limit:
        out = [*out[: limit - 1], f"… ({len(out) - limit + 1} more lines)"]
    return out


_DONE_SUFFIX = re.compile(r"( \d+(\.\d+)?s)? done$")


def _once(lines: list[str]) -> list[str]:
    """Each line once: a line printed when it starts and again when done shows once (the
    first, unless only the later one says `done`)."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for line in lines:
        key = _DONE_SUFFIX.sub("", line)
        if key in seen:
            if line.endswith(" done"):
                out[seen[key]] = line
            continue
        seen[key] = len(out)
        out.append(line)
    return out


def counted_cached(log: str) -> int:
    """How many counted steps the log shows CACHED."""
    return sum(1 for line in excerpt(log, (CACHED,), limit=10**6) if _CACHED.match(line))
