"""`--build-arg` values hidden wherever buildtui shows or keeps a build's text.

BuildKit expands build arguments into its step names (`RUN echo $TOKEN` is logged as
`RUN echo hunter2`), and a step may print them. Each line of a build's log is masked
as it arrives, before anything parses, shows or keeps it, so the steps, summaries,
history, comparisons, reports and `--summary-json` never see a value:

- a value of `MIN_LENGTH` characters or more shows as `«NAME»` wherever it appears;
- a shorter value (`1`, `yes`: masking those everywhere would mask half the log) is
  masked where it stands for the argument: in the `--build-arg` flag (`NAME=…`, see
  `logs.masked_argv`), and in the text of a Dockerfile instruction that refers to the
  argument (`$NAME`, `${NAME}`, `${NAME:-default}` ...) as BuildKit shows it expanded
  (the step's name, and the `/bin/sh -c ...` of an error), at the places where the
  expansion put it. What such a step prints is not masked for short values.

A value given as `--build-arg NAME` (taken from the environment) is masked the same.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buildtui.builds.dockerfile import instructions

MIN_LENGTH = 4
"""Values this long or longer are masked everywhere in a build's text."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BOUNDARY = frozenset(" \t\"'`]=:,;")


def shown(name: str) -> str:
    return f"«{name}»"


def build_arg_values(argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """NAME -> value of every `--build-arg` of a buildx command (the last one wins)."""
    values: dict[str, str] = {}
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--build-arg" and i + 1 < len(args):
            assignment = args[i + 1]
        elif arg.startswith("--build-arg="):
            assignment = arg.split("=", 1)[1]
        else:
            continue
        name, equals, value = assignment.partition("=")
        if not equals:
            value = environ.get(name, "")
        if name:
            values[name] = value
    return values


@dataclass(frozen=True, slots=True)
class _Expansion:
    """A Dockerfile instruction's text after its keyword, expanded with the build
    arguments, and where the short values are in it."""

    text: str
    spans: tuple[tuple[int, int, str], ...]
    """(start, end, name) in `text`."""


def _instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions as BuildKit joins them (dockerfile.py): continuation
    lines joined (either escape character), comments inside them left out."""
    return [instruction.text for instruction in instructions(dockerfile)]


def _references(body: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of each `$NAME`, `${NAME}` and `${NAME<op>word}` in `body`, in
    one pass (no pattern that backtracks over a long line)."""
    closing = [i for i, char in enumerate(body) if char == "}"]
    out = []
    at = body.find("$")
    while at >= 0:
        braced = body.startswith("{", at + 1)
        name = _NAME.match(body, at + 2 if braced else at + 1)
        end = at + 1
        if name is not None:
            end = name.end()
            if not braced:
                out.append((at, end, name.group()))
            elif end < len(body) and (body[end] == "}" or body[end] in ":-+"):
                k = bisect_left(closing, end)
                if k < len(closing):
                    end = closing[k] + 1
                    out.append((at, end, name.group()))
        at = body.find("$", end)
    return out


def _expand(body: str, values: Mapping[str, str], short: set[str]) -> _Expansion | None:
    """`body` with each reference to a given argument replaced by its value; None when
    it refers to no short-valued argument."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    at = 0
    length = 0
    for start, end, name in _references(body):
        if name not in values:
            continue
        before = body[at:start]
        parts.append(before)
        length += len(before)
        value = values[name]
        if name in short:
            spans.append((length, length + len(value), name))
        parts.append(value)
        length += len(value)
        at = end
    if not spans:
        return None
    parts.append(body[at:])
    return _Expansion("".join(parts), tuple(spans))


def _collapsed(expansion: _Expansion) -> _Expansion:
    """The same with each run of blanks as one space (as BuildKit shows a command)."""
    text, spans = expansion.text, expansion.spans
    out: list[str] = []
    index_map: list[int] = []
    blank = False
    for char in text:
        if char in " \t":
            if blank:
                index_map.append(len(out))
                continue
            blank = True
            char = " "
        else:
            blank = False
        index_map.append(len(out))
        out.append(char)
    index_map.append(len(out))
    return _Expansion("".join(out), tuple((index_map[s], index_map[e], n) for s, e, n in spans))


class BuildArgMask:
    """Masks one build's `--build-arg` values in its text (see the module's docstring)."""

    def __init__(self, values: Mapping[str, str], dockerfile: str | None = None) -> None:
        self.values = dict(values)
        long: list[tuple[str, str]] = []
        for name, value in values.items():
            for piece in value.splitlines():
                if len(piece) >= MIN_LENGTH:
                    long.append((piece, name))
        self._long = sorted(long, key=lambda item: -len(item[0]))
        short = {n for n, v in values.items() if 0 < len(v) < MIN_LENGTH}
        expansions: list[_Expansion] = []
        if short and dockerfile:
            for instruction in _instructions(dockerfile):
                _, _, body = instruction.partition(" ")
                expansion = _expand(body.strip(), values, short)
                if expansion is not None and len(expansion.text) > 0:
                    expansions.append(expansion)
                    collapsed = _collapsed(expansion)
                    if collapsed.text != expansion.text:
                        expansions.append(collapsed)
        self._expansions = expansions

    @property
    def empty(self) -> bool:
        return not self._long and not self._expansions

    def __call__(self, text: str) -> str:
        """`text` with the values masked."""
        for expansion in self._expansions:
            if expansion.text in text:
                text = _mask_expansion(text, expansion)
        for value, name in self._long:
            if value in text:
                text = text.replace(value, shown(name))
        return text

    def json(self, data: Any) -> Any:
        """Every string of a JSON-like structure masked."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, list):
            return [self.json(item) for item in data]
        if isinstance(data, dict):
            return {key: self.json(value) for key, value in data.items()}
        return data


def _mask_expansion(text: str, expansion: _Expansion) -> str:
    """Mask the short values inside each bounded occurrence of the expanded text."""
    out: list[str] = []
    at = 0
    size = len(expansion.text)
    start = text.find(expansion.text)
    while start >= 0:
        end = start + size
        bounded = (start == 0 or text[start - 1] in _BOUNDARY) and (
            end == len(text) or text[end] in _BOUNDARY
        )
        if bounded:
            out.append(text[at:start])
            cursor = start
            for span_start, span_end, name in expansion.spans:
                out.append(text[cursor : start + span_start])
                out.append(shown(name))
                cursor = start + span_end
            out.append(text[cursor:end])
            at = end
        start = text.find(expansion.text, end if bounded else start + 1)
    out.append(text[at:])
    return "".join(out)


def mask_for(
    argv: Sequence[str], environ: Mapping[str, str], dockerfile: str | None
) -> BuildArgMask | None:
    """The mask of a build, or None when it has no value to hide."""
    values = build_arg_values(argv, environ)
    if not values:
        return None
    mask = BuildArgMask(values, dockerfile)
    return None if mask.empty else mask
