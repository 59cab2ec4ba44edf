"""An incremental parser of BuildKit's plain progress output (`--progress=plain`).

Feed it one line at a time (`LogParser.feed`) as the build streams; each line comes
back as a `LogLine` that says what kind of line it is, which step (vertex number)
it belongs to and its text with colours and cursor moves removed and every other
control character shown as a visible escape (`untrusted.visible`), so nothing a build
prints reaches a terminal raw.

The format, as buildx 0.13 prints it:

    #0 building with "default" instance using docker driver
    #5 [linux/arm64 build1 2/5] RUN make        <- header: first line of a step
    #5 0.215 compiling ...                       <- log: seconds since start, text
    #5 sha256:ab12 1.2MB / 3.4MB 0.3s            <- status (downloads, exports ...)
    #5 ...                                       <- interrupted; the header repeats later
    #5 CACHED | #5 DONE 0.3s | #5 ERROR: msg | #5 CANCELED | #5 WARN: msg
    ------                                       <- failure block: the step name,
     > [linux/arm64 build1 2/5] RUN make:           its last log lines
    0.215 compiling ...
    ------
    ERROR: failed to solve: ...                  <- buildx's own lines (no #N)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from buildtui.untrusted import visible, without_csi

_LOG_TIME = re.compile(r"(\d+\.\d+)(?: |$)")
_LOG_LINE = re.compile(r"#([0-9]+) ([0-9]+\.[0-9]+)(?: |$)").match
_STEP_NAME = re.compile(
    r"\[(?:(?P<platform>[^\s/\]]+/[^\s\]]+) )?(?:(?P<stage>[^\s/\]]+) )? *"
    r"(?P<index>\d+)/(?P<total>\d+)\] (?P<instruction>.*)",
    re.DOTALL,
)
_INTERNAL_PREFIX = re.compile(r"\[(?:(?P<platform>[^\s\]]+) )?(?:internal|auth)\] ")
_BUILDER = re.compile(r'building with "(?P<name>[^"]*)" instance using (?P<driver>\S+) driver')
_DONE_SECONDS = re.compile(r"DONE (\d+(?:\.\d+)?)s")


def sanitize(text: str) -> str:
    """`text` as the log shows it: no CSI sequence (colours, cursor moves), every other
    control character and escape sequence shown visibly (`\\x1b]0;title\\x07`, as
    `untrusted.visible` shows them everywhere), tabs as spaces.

    A carriage return inside a line (progress redrawn in place) keeps what a terminal
    would finally show: the text after the last one.
    """
    if text.isprintable():
        return text
    if "\r" in text:
        parts = [part for part in text.split("\r") if part]
        text = parts[-1] if parts else ""
    text = without_csi(text)
    text = text.expandtabs(4) if "\t" in text else text
    return visible(text, one_line=True)


class LineKind(Enum):
    """What one line of plain progress is."""

    BUILDER = "builder"
    """`#0 building with "NAME" instance using DRIVER driver`."""
    HEADER = "header"
    """`#N <step name>`: a step starts (or resumes, after `#N ...`)."""
    STATUS = "status"
    """`#N <id> [progress] [x.xs] [done]`: a download, export or push status."""
    LOG = "log"
    """`#N <t> <text>`: output of a running step (text in `LogLine.text`)."""
    INTERRUPTED = "interrupted"
    """`#N ...`: the step goes on but another one's lines come first."""
    CACHED = "cached"
    DONE = "done"
    ERROR = "error"
    CANCELED = "canceled"
    WARN = "warn"
    BLOCK_START = "block-start"
    """`------` opening a failure block."""
    BLOCK_STEP = "block-step"
    """` > <step name>:` naming the step of a failure block."""
    BLOCK_LOG = "block-log"
    """One of the last log lines of the failed step, inside a failure block."""
    BLOCK_END = "block-end"
    BUILDX_ERROR = "buildx-error"
    """`ERROR: ...` from buildx itself (no step number), e.g. `failed to solve`."""
    OTHER = "other"
    """Anything else buildx prints (Dockerfile excerpts, warnings)."""
    BLANK = "blank"


_LOG = LineKind.LOG


@dataclass(slots=True)
class LogLine:
    """One parsed line. `line` is the whole line, sanitized, as a log view shows it.

    Not frozen: a frozen dataclass costs four times as much to create, and the
    parser creates one per line. Treat it as read-only.
    """

    kind: LineKind
    vertex: int
    """Step number N of `#N`; -1 for lines that belong to no step."""
    text: str
    """The part after `#N ` (the name, status, log text or message), sanitized."""
    line: str
    seconds: float | None = None
    """`DONE x.xs` duration, or the time stamp of a LOG line."""


@dataclass(slots=True, frozen=True)
class StepName:
    """A Dockerfile step name: `[<platform> <stage> <i>/<total>] <INSTRUCTION>`."""

    platform: str | None
    stage: str | None
    index: int
    total: int
    instruction: str


def parse_step_name(name: str) -> StepName | None:
    """The parts of a Dockerfile step's name; None for internal and other steps."""
    if not name.startswith("["):
        return None
    match = _STEP_NAME.match(name)
    if match is None:
        return None
    return StepName(
        platform=match["platform"],
        stage=match["stage"],
        index=int(match["index"]),
        total=int(match["total"]),
        instruction=match["instruction"],
    )


def internal_platform(name: str) -> str | None:
    """The platform of `[<platform> internal] ...`, or None."""
    match = _INTERNAL_PREFIX.match(name)
    return match["platform"] if match else None


def parse_builder(text: str) -> tuple[str, str] | None:
    """(builder name, driver) from `building with "NAME" instance using DRIVER driver`."""
    match = _BUILDER.match(text)
    return (match["name"], match["driver"]) if match else None


class LogParser:
    """Turns plain-progress lines into `LogLine`s; keeps the state that needs.

    It remembers step names (to tell a resumed header from a status line) and
    whether it is inside a failure block. Feed lines without their line ending.
    """

    __slots__ = ("_in_block", "_names")

    def __init__(self) -> None:
        self._names: dict[int, str] = {}
        self._in_block = 0  # 0: outside, 1: after "------", 2: after " > step:"

    def feed(self, raw: str) -> LogLine:
        """Parse one line (its trailing newline, if any, is dropped)."""
        line = raw if raw.isprintable() else sanitize(raw.rstrip("\r\n"))
        # Fast path for the commonest line, output of a known step (`#N 1.234 text`):
        # one regex match, then the text is the only slice taken.
        match = _LOG_LINE(line)
        if match is not None:
            vertex = int(match[1])
            if vertex in self._names:
                self._in_block = 0
                return LogLine(_LOG, vertex, line[match.end() :], line, float(match[2]))
        if line.startswith("#"):
            space = line.find(" ")
            if space > 1:
                number = line[1:space]
                if number.isdigit():
                    return self._step_line(int(number), line[space + 1 :], line)
            elif line[1:].isdigit():
                return LogLine(LineKind.OTHER, int(line[1:]), "", line)
        return self._plain_line(line)

    def _step_line(self, vertex: int, rest: str, line: str) -> LogLine:
        self._in_block = 0
        known = self._names.get(vertex)
        if known is None:
            # The first line of a step is always its header.
            if vertex == 0 and rest.startswith("building with "):
                return LogLine(LineKind.BUILDER, vertex, rest, line)
            if rest != "...":
                self._names[vertex] = rest
                return LogLine(LineKind.HEADER, vertex, rest, line)
        first = rest[:1]
        if first.isdigit():
            match = _LOG_TIME.match(rest)
            if match is not None:
                return LogLine(
                    LineKind.LOG, vertex, rest[match.end() :], line, float(match.group(1))
                )
        elif first == "C":
            if rest == "CACHED":
                return LogLine(LineKind.CACHED, vertex, rest, line)
            if rest == "CANCELED":
                return LogLine(LineKind.CANCELED, vertex, rest, line)
        elif first == "D" and rest.startswith("DONE "):
            match = _DONE_SECONDS.match(rest)
            if match is not None:
                return LogLine(LineKind.DONE, vertex, rest, line, float(match.group(1)))
        elif first == "E" and rest.startswith("ERROR: "):
            return LogLine(LineKind.ERROR, vertex, rest[7:], line)
        elif first == "W" and rest.startswith("WARN: "):
            return LogLine(LineKind.WARN, vertex, rest[6:], line)
        elif rest == "...":
            return LogLine(LineKind.INTERRUPTED, vertex, rest, line)
        if known == rest:
            return LogLine(LineKind.HEADER, vertex, rest, line)
        return LogLine(LineKind.STATUS, vertex, rest, line)

    def _plain_line(self, line: str) -> LogLine:
        if not line:
            # A blank line closes nothing: failure blocks may hold blank log lines.
            if self._in_block == 2:
                return LogLine(LineKind.BLOCK_LOG, -1, line, line)
            return LogLine(LineKind.BLANK, -1, line, line)
        if line == "------":
            if self._in_block:
                self._in_block = 0
                return LogLine(LineKind.BLOCK_END, -1, line, line)
            self._in_block = 1
            return LogLine(LineKind.BLOCK_START, -1, line, line)
        if self._in_block == 1 and line.startswith(" > ") and line.endswith(":"):
            self._in_block = 2
            return LogLine(LineKind.BLOCK_STEP, -1, line[3:-1], line)
        if self._in_block == 2:
            return LogLine(LineKind.BLOCK_LOG, -1, line, line)
        self._in_block = 0
        if line.startswith("ERROR: "):
            return LogLine(LineKind.BUILDX_ERROR, -1, line[7:], line)
        return LogLine(LineKind.OTHER, -1, line, line)

    def step_name(self, vertex: int) -> str | None:
        """The name of step `vertex` as its header gave it."""
        return self._names.get(vertex)
