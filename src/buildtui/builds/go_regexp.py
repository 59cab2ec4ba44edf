"""The part of Go's regexp syntax (RE2, `regexp.Compile`'s Perl flags) that moby's
patternmatcher turns `.dockerignore` patterns into, matched without backtracking.

A pattern is parsed into a small program (Thompson's construction) and run as a set
of states over the name, one character at a time (Pike's simulation), so a match
costs O(len(regexp) x len(name)) whatever the pattern; the sets met are kept as a
small DFA, so the common case is one dictionary look-up per character. A deadline is
checked inside the loop.

Supported, as Go reads them: literals; `.` (not newline); `[...]` classes with ranges,
`^` negation, escapes, `\\d \\s \\w` and their negations, POSIX `[:alpha:]` names;
`*`, `+`, `?` (a trailing `?` for non-greedy, which does not change whether it
matches); groups `(...)` and `|`; `^` `$` `\\A` `\\z` (one line), `\\b` `\\B`
(ASCII); `\\Q...\\E`; escapes `\\a \\f \\n \\r \\t \\v`, octal and `\\x`. Go's errors
(an invalid escape, a range out of order, a class not closed ...) raise PatternError.
Unicode classes (`\\p{Greek}`) and flags (`(?i)`) raise PatternError too: Go would
accept them, buildtui does not match them (never silently otherwise).

`search` answers Go's `MatchString`: a match anywhere (patternmatcher's own `^...$`
anchors it).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from buildtui.builds.deadline import NO_DEADLINE, Deadline
from buildtui.builds.go_glob import PatternError, UnsupportedPattern
from buildtui.i18n import _

MAX_RUNE = 0x10FFFF

# Instructions.
CHAR, CLASS, ANY_NOT_NL, ANY, SPLIT, JMP, ASSERT, MATCH = range(8)
# Assertions.
BEGIN, END, WORD_BOUNDARY, NOT_WORD_BOUNDARY = range(4)
# What came before a position, for the assertions.
AT_START, AFTER_WORD, AFTER_OTHER = range(3)

Ranges = tuple[tuple[int, int], ...]


def _ascii_ranges(spec: str) -> list[tuple[int, int]]:
    """`a-z0-9_` as code point ranges."""
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.append((ord(spec[i]), ord(spec[i + 2])))
            i += 3
        else:
            out.append((ord(spec[i]), ord(spec[i])))
            i += 1
    return out


_PERL = {
    "d": _ascii_ranges("0-9"),
    "s": _ascii_ranges("\t\n\f\r "),
    "w": _ascii_ranges("0-9A-Z_a-z"),
}
_POSIX = {
    "alnum": _ascii_ranges("0-9A-Za-z"),
    "alpha": _ascii_ranges("A-Za-z"),
    "ascii": [(0, 0x7F)],
    "blank": _ascii_ranges("\t "),
    "cntrl": [(0, 0x1F), (0x7F, 0x7F)],
    "digit": _ascii_ranges("0-9"),
    "graph": [(0x21, 0x7E)],
    "lower": _ascii_ranges("a-z"),
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": _ascii_ranges("\t\n\v\f\r "),
    "upper": _ascii_ranges("A-Z"),
    "word": _ascii_ranges("0-9A-Za-z_"),
    "xdigit": _ascii_ranges("0-9A-Fa-f"),
}
_WORD = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_SIMPLE_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX = "0123456789abcdefABCDEF"


def _normalize(ranges: list[tuple[int, int]], negated: bool) -> Ranges:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    if not negated:
        return tuple(merged)
    out, start = [], 0
    for low, high in merged:
        if low > start:
            out.append((start, low - 1))
        start = high + 1
    if start <= MAX_RUNE:
        out.append((start, MAX_RUNE))
    return tuple(out)


def _negate(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return list(_normalize(ranges, True))


@dataclass(frozen=True, slots=True)
class CharClass:
    ranges: Ranges
    lows: tuple[int, ...]

    @classmethod
    def of(cls, ranges: list[tuple[int, int]], negated: bool = False) -> CharClass:
        normal = _normalize(ranges, negated)
        return cls(normal, tuple(low for low, _unused in normal))

    def __contains__(self, char: str) -> bool:
        code = ord(char)
        k = bisect_right(self.lows, code) - 1
        return k >= 0 and code <= self.ranges[k][1]


# The syntax tree: (kind, value...) tuples.
Node = tuple[object, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def error(self, what: str) -> PatternError:
        return PatternError(f"error parsing regexp: {what} in `{self.text}`")

    def unsupported(self) -> UnsupportedPattern:
        return UnsupportedPattern(
            _("Unicode classes (in `{text}`) are not supported").format(text=self.text)
        )

    def parse(self) -> Node:
        node = self.alternation()
        if self.i < len(self.text):  # only a `)` stops an alternation early
            raise self.error("unexpected )")
        return node

    def alternation(self) -> Node:
        branches = [self.concatenation()]
        while self.i < len(self.text) and self.text[self.i] == "|":
            self.i += 1
            branches.append(self.concatenation())
        return branches[0] if len(branches) == 1 else ("alt", tuple(branches))

    def concatenation(self) -> Node:
        items: list[Node] = []
        text = self.text
        while self.i < len(text) and text[self.i] not in "|)":
            c = text[self.i]
            if c in "*+?":
                if not items:
                    raise self.error(f"missing argument to repetition operator: `{c}`")
                self.i += 1
                if self.i < len(text) and text[self.i] == "?":
                    self.i += 1  # non-greedy: the same answer to "does it match"
                if self.i < len(text) and text[self.i] in "*+?":
                    raise self.error("invalid nested repetition operator")
                kind = {"*": "star", "+": "plus", "?": "quest"}[c]
                items[-1] = (kind, items[-1])
                continue
            items.extend(self.atom())
        return ("cat", tuple(items))

    def atom(self) -> list[Node]:
        text = self.text
        c = text[self.i]
        if c == "(":
            if self.i + 1 < len(text) and text[self.i + 1] == "?":
                raise UnsupportedPattern(
                    _("flags and named groups (in `{text}`) are not supported by buildtui").format(
                        text=text
                    )
                )
            self.i += 1
            inner = self.alternation()
            if self.i >= len(text) or text[self.i] != ")":
                raise self.error("missing closing )")
            self.i += 1
            return [inner]
        if c == "[":
            return [self.char_class()]
        if c == ".":
            self.i += 1
            return [("op", ANY_NOT_NL)]
        if c == "^":
            self.i += 1
            return [("assert", BEGIN)]
        if c == "$":
            self.i += 1
            return [("assert", END)]
        if c == "\\":
            return self.escape_atom()
        self.i += 1
        return [("char", c)]

    def escape_atom(self) -> list[Node]:
        text = self.text
        if self.i + 1 < len(text):
            c = text[self.i + 1]
            simple = {"A": BEGIN, "z": END, "b": WORD_BOUNDARY, "B": NOT_WORD_BOUNDARY}
            if c in simple:
                self.i += 2
                return [("assert", simple[c])]
            if c == "C":
                raise self.error("invalid escape sequence: `\\C`")
            if c == "Q":
                end = text.find("\\E", self.i + 2)
                literal = text[self.i + 2 :] if end < 0 else text[self.i + 2 : end]
                self.i = len(text) if end < 0 else end + 2
                return [("char", ch) for ch in literal]
            if c in "pP":
                raise self.unsupported()
            perl = self.perl_class()
            if perl is not None:
                return [("class", CharClass.of(perl))]
        return [("char", self.escape())]

    def perl_class(self) -> list[tuple[int, int]] | None:
        """`\\d \\D \\s \\S \\w \\W` at the cursor, or None."""
        text = self.text
        if self.i + 1 < len(text) and text[self.i] == "\\":
            c = text[self.i + 1]
            if c.lower() in _PERL:
                self.i += 2
                ranges = _PERL[c.lower()]
                return _negate(ranges) if c.isupper() else list(ranges)
        return None

    def escape(self) -> str:
        """One escaped character (Go's parseEscape); the cursor is on the backslash."""
        text = self.text
        self.i += 1
        if self.i >= len(text):
            raise self.error("trailing backslash at end of expression")
        c = text[self.i]
        self.i += 1
        if c < "\x80" and not c.isalnum():
            return c
        if c in "1234567" and (self.i >= len(text) or text[self.i] not in "01234567"):
            raise self.error(f"invalid escape sequence: `\\{c}`")  # a backreference
        if c in "01234567":
            value = int(c)
            for _unused in range(2):
                if self.i < len(text) and text[self.i] in "01234567":
                    value = value * 8 + int(text[self.i])
                    self.i += 1
            return chr(value)
        if c == "x":
            return self.hex_escape()
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c]
        raise self.error(f"invalid escape sequence: `\\{c}`")

    def hex_escape(self) -> str:
        text = self.text
        bad = self.error("invalid escape sequence: `\\x`")
        if self.i >= len(text):
            raise bad
        if text[self.i] == "{":
            self.i += 1
            value, digits = 0, 0
            while True:
                if self.i >= len(text):
                    raise bad
                c = text[self.i]
                self.i += 1
                if c == "}":
                    break
                if c not in _HEX:
                    raise bad
                value = value * 16 + int(c, 16)
                digits += 1
                if value > MAX_RUNE:
                    raise bad
            if digits == 0:
                raise bad
            return chr(value)
        pair = text[self.i : self.i + 2]
        if len(pair) < 2 or pair[0] not in _HEX or pair[1] not in _HEX:
            raise bad
        self.i += 2
        return chr(int(pair, 16))

    def char_class(self) -> Node:
        text = self.text
        start = self.i
        self.i += 1
        negated = self.i < len(text) and text[self.i] == "^"
        if negated:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while self.i >= len(text) or text[self.i] != "]" or first:
            if self.i >= len(text):
                raise self.error(f"missing closing ]: `{text[start:]}`")
            first = False
            if text.startswith("[:", self.i):
                close = text.find(":]", self.i + 2)
                if close >= 0:
                    name = text[self.i + 2 : close]
                    group = _POSIX.get(name.removeprefix("^"))
                    if group is None:
                        raise self.error(f"invalid character class range: `[:{name}:]`")
                    ranges.extend(_negate(group) if name.startswith("^") else group)
                    self.i = close + 2
                    continue
            if text.startswith(("\\p", "\\P"), self.i):
                raise self.unsupported()
            perl = self.perl_class()
            if perl is not None:
                ranges.extend(perl)
                continue
            from_at = self.i
            low = self.class_char(start)
            high = low
            if self.i + 1 < len(text) and text[self.i] == "-" and text[self.i + 1] != "]":
                self.i += 1
                high = self.class_char(start)
                if high < low:
                    raise self.error(f"invalid character class range: `{text[from_at : self.i]}`")
            ranges.append((ord(low), ord(high)))
        self.i += 1
        return ("class", CharClass.of(ranges, negated))

    def class_char(self, start: int) -> str:
        text = self.text
        if self.i >= len(text):
            raise self.error(f"missing closing ]: `{text[start:]}`")
        if text[self.i] == "\\":
            return self.escape()
        self.i += 1
        return text[self.i - 1]


@dataclass(slots=True)
class _Program:
    ops: list[int]
    args: list[object]
    alt: list[int]
    has_word_assertions: bool


def _compile(node: Node) -> _Program:
    ops: list[int] = []
    args: list[object] = []
    alt: list[int] = []

    def emit(op: int, arg: object = None, other: int = -1) -> int:
        ops.append(op)
        args.append(arg)
        alt.append(other)
        return len(ops) - 1

    def walk(node: Node) -> None:
        kind = node[0]
        if kind == "char":
            emit(CHAR, node[1])
        elif kind == "class":
            emit(CLASS, node[1])
        elif kind == "op":
            emit(int(node[1]))  # type: ignore[call-overload]
        elif kind == "assert":
            emit(ASSERT, node[1])
        elif kind == "cat":
            for item in node[1]:  # type: ignore[attr-defined]
                walk(item)
        elif kind == "alt":
            branches: tuple[Node, ...] = node[1]  # type: ignore[assignment]
            jumps = []
            for branch in branches[:-1]:
                split = emit(SPLIT)
                args[split] = split + 1
                walk(branch)
                jumps.append(emit(JMP))
                alt[split] = len(ops)
            walk(branches[-1])
            for jump in jumps:
                args[jump] = len(ops)
        elif kind == "star":
            split = emit(SPLIT)
            args[split] = split + 1
            walk(node[1])  # type: ignore[arg-type]
            emit(JMP, split)
            alt[split] = len(ops)
        elif kind == "plus":
            top = len(ops)
            walk(node[1])  # type: ignore[arg-type]
            emit(SPLIT, top, len(ops) + 1)
        elif kind == "quest":
            split = emit(SPLIT)
            args[split] = split + 1
            walk(node[1])  # type: ignore[arg-type]
            alt[split] = len(ops)
        else:  # pragma: no cover - the parser makes no other node
            raise AssertionError(kind)

    # Go's MatchString looks for a match anywhere: a leading loop over any character.
    loop = emit(SPLIT)
    emit(ANY)
    emit(JMP, loop)
    args[loop] = len(ops)
    alt[loop] = loop + 1
    walk(node)
    emit(MATCH)
    word = any(
        op == ASSERT and arg in (WORD_BOUNDARY, NOT_WORD_BOUNDARY)
        for op, arg in zip(ops, args, strict=True)
    )
    return _Program(ops, args, alt, word)


MAX_CACHED = 20_000
"""Transitions kept per regexp (each a set of program counters); past it the cache
starts again, so memory stays bounded whatever the names."""


class GoRegexp:
    """One compiled regexp; `search(name)` is Go's `MatchString`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.program = _compile(_Parser(text).parse())
        self._sets: dict[tuple[int, ...], int] = {}
        self._states: list[tuple[int, ...]] = []
        self._moves: dict[tuple[int, int, str], tuple[int, int, bool]] = {}
        self._ends: dict[tuple[int, int], bool] = {}
        self._start = self._set_id((0,))

    def _set_id(self, pcs: tuple[int, ...]) -> int:
        found = self._sets.get(pcs)
        if found is None:
            found = len(self._states)
            self._sets[pcs] = found
            self._states.append(pcs)
        return found

    def _closure(
        self, pcs: tuple[int, ...], before: int, char: str | None, deadline: Deadline
    ) -> tuple[list[int], bool]:
        """The consuming instructions reachable from `pcs` at a position after `before`
        and before `char` (None: the end); and whether MATCH is reachable."""
        prog = self.program
        ops, args, alt = prog.ops, prog.args, prog.alt
        prev_word = before == AFTER_WORD
        next_word = char is not None and char in _WORD
        seen: set[int] = set()
        stack = list(reversed(pcs))
        out: list[int] = []
        matched = False
        visits = 0
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            visits += 1
            if visits & 1023 == 0:
                deadline.check()
            op = ops[pc]
            if op == SPLIT:
                stack.append(alt[pc])
                stack.append(args[pc])  # type: ignore[arg-type]
            elif op == JMP:
                stack.append(args[pc])  # type: ignore[arg-type]
            elif op == ASSERT:
                kind = args[pc]
                if (
                    (kind == BEGIN and before == AT_START)
                    or (kind == END and char is None)
                    or (kind == WORD_BOUNDARY and prev_word != next_word)
                    or (kind == NOT_WORD_BOUNDARY and prev_word == next_word)
                ):
                    stack.append(pc + 1)
            elif op == MATCH:
                matched = True
            else:
                out.append(pc)
        return out, matched

    def _move(
        self, state: int, before: int, char: str, deadline: Deadline
    ) -> tuple[int, int, bool]:
        consuming, matched = self._closure(self._states[state], before, char, deadline)
        ops, args = self.program.ops, self.program.args
        after: list[int] = []
        for pc in consuming:
            op = ops[pc]
            if (
                (op == CHAR and args[pc] == char)
                or (op == CLASS and char in args[pc])  # type: ignore[operator]
                or (op == ANY_NOT_NL and char != "\n")
                or op == ANY
            ):
                after.append(pc + 1)
        now = AFTER_WORD if self.program.has_word_assertions and char in _WORD else AFTER_OTHER
        return self._set_id(tuple(after)), now, matched

    def search(self, name: str, deadline: Deadline = NO_DEADLINE) -> bool:
        """Whether the regexp matches somewhere in `name` (Go's MatchString)."""
        if len(self._moves) > MAX_CACHED or len(self._states) > MAX_CACHED:
            self._moves.clear()
            self._ends.clear()
            self._sets.clear()
            self._states.clear()
            self._start = self._set_id((0,))
        moves = self._moves
        state, before = self._start, AT_START
        for count, char in enumerate(name):
            key = (state, before, char)
            move = moves.get(key)
            if move is None:
                move = self._move(state, before, char, deadline)
                moves[key] = move
            if move[2]:
                return True
            state, before = move[0], move[1]
            if count & 255 == 255:
                deadline.check()
        end = self._ends.get((state, before))
        if end is None:
            end = self._closure(self._states[state], before, None, deadline)[1]
            self._ends[(state, before)] = end
        return end
