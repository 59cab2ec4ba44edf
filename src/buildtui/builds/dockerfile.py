"""A Dockerfile's stages and the steps BuildKit makes of them, with their line numbers.

Read as BuildKit's frontend reads it, as far as the step view needs: parser directives
(`# escape=`), comments, line continuations, heredocs (`<<EOT`), `FROM image AS name`
and `ARG`s before the first FROM. Each stage gets the label BuildKit prints in its
step names (`[build1 2/3]`): its name, `stage-N` for an unnamed stage of a Dockerfile
with several, nothing for a single unnamed stage. Its steps are numbered as BuildKit
numbers them: `FROM image` is step 1 (a stage `FROM` another stage or `scratch` has no
FROM step), then each RUN, COPY, ADD and WORKDIR; other instructions (ENV, ARG, LABEL,
CMD ...) make no step.

Edges: a stage's `FROM` (an image or another stage), `COPY --from=` (a stage, its
index, or an image) and `RUN --mount=...,from=` (a stage).

Text from a Dockerfile is untrusted: nothing here interprets it beyond this grammar,
and every loop is bounded by the text's length.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

STEP_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
"""The instructions BuildKit makes a step (a vertex) of, besides `FROM image`."""
MAX_LINES = 100_000
MAX_CHARS = 8 << 20
"""Past this many characters a Dockerfile is not read further."""

_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What Go's unicode.IsSpace calls white space (Python's str.isspace calls more so)."""
_RE2_SPACE = "\t\n\f\r "
"""`\\s` in BuildKit's (RE2) patterns."""
_SEPARATORS = "\t\v\f\r "
"""What separates an instruction's keyword from the rest."""
_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_DIRECTIVE_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9]*")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_SEPARATOR_RUN = re.compile(r"[\t\v\f\r ]+")
_ARG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDED = frozenset({"ARG", "ENV"})
"""Instructions whose operands are split into words (quotes respected)."""
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True, slots=True)
class Heredoc:
    """The body of a `<<NAME` heredoc of a RUN, COPY or ADD."""

    name: str
    chomp: bool
    """`<<-NAME`: leading tabs are stripped from the body's lines."""
    body: str
    """Its lines, each ending with a newline, the terminator line left out."""
    line: int = 0
    """The line its body starts on (1-based)."""


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    """Upper case: RUN, COPY, FROM ..."""
    arguments: str
    """Its text after the keyword, continuation lines joined as BuildKit joins them."""
    line: int
    """The line it starts on (1-based)."""
    end_line: int
    """The line it ends on: its last continuation line, or its last heredoc's terminator."""
    flags: tuple[str, ...] = ()
    """Its `--flag=value` words (`--from=build1`, `--mount=type=cache,...`), unquoted."""
    operands: str = ""
    """Its text after the keyword and the flags."""
    words: tuple[str, ...] = ()
    """For ARG and ENV: the operands split into words, quotes kept (`B="x y"`)."""
    heredocs: tuple[Heredoc, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.keyword} {self.arguments}".rstrip()


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A step BuildKit will make of an instruction: `[label index/total] text`."""

    index: int
    total: int
    instruction: Instruction

    @property
    def text(self) -> str:
        return self.instruction.text

    @property
    def counted(self) -> bool:
        """FROM steps are left out of the cache counts (see buildlog/summary.py)."""
        return self.instruction.keyword != "FROM"


@dataclass(frozen=True, slots=True)
class Edge:
    """`source` feeds `target`: `from` (FROM), `copy` (COPY --from) or `mount`
    (RUN --mount=from=). `source` is a stage label, or an image when `image` is set."""

    source: str
    target: str | None
    kind: str
    step: int | None = None
    """The target's step that takes it (None for FROM)."""
    image: bool = False


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    name: str | None
    """As written after AS, lower case (BuildKit's names are case-insensitive)."""
    label: str | None
    """How step names call it: the name, `stage-N`, or None (a single unnamed stage)."""
    base: str
    """What it is FROM, with the ARGs before the first FROM substituted."""
    base_stage: str | None
    """The label of the stage it is FROM, when it is another stage."""
    from_line: int
    steps: tuple[PlannedStep, ...]
    args: tuple[tuple[str, int], ...] = ()
    """ARGs declared in the stage, with their line."""
    variables: tuple[tuple[str, str, str | None, int], ...] = ()
    """ENV and ARG in order: (ENV or ARG, name, value or ARG default, line)."""

    @property
    def from_image(self) -> bool:
        return self.base_stage is None and self.base.lower() != "scratch"


@dataclass(frozen=True, slots=True)
class Dockerfile:
    stages: tuple[Stage, ...]
    global_args: Mapping[str, str | None] = field(default_factory=dict)
    """ARGs before the first FROM, with their default (None: none)."""

    def stage(self, label: str | None) -> Stage | None:
        for stage in self.stages:
            if stage.label == label:
                return stage
        return None

    def resolve(self, reference: str) -> Stage | None:
        """The stage a `--from=` or `FROM` names: a stage name or, for --from, an index."""
        lowered = reference.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name == lowered:
                return stage
        if reference.isdigit() and int(reference) < len(self.stages):
            return self.stages[int(reference)]
        return None

    def edges(self, stages: Sequence[Stage] | None = None) -> list[Edge]:
        """Every FROM, COPY --from and RUN --mount=from= edge into `stages` (all by default)."""
        out: list[Edge] = []
        for stage in self.stages if stages is None else stages:
            if stage.base_stage is not None:
                out.append(Edge(stage.base_stage, stage.label, "from"))
            elif stage.from_image:
                out.append(Edge(stage.base, stage.label, "from", image=True))
            for step in stage.steps:
                for kind, source in _step_sources(step.instruction):
                    target = self.resolve(source)
                    if target is not None:
                        out.append(Edge(_label(target), stage.label, kind, step.index))
                    elif kind == "copy":
                        out.append(Edge(source, stage.label, kind, step.index, image=True))
        return out

    def needed(self, target: str | None = None) -> list[Stage]:
        """The stages a build of `target` (the last stage by default) runs, in
        Dockerfile order: the target and every stage it takes from."""
        if not self.stages:
            return []
        goal = self.resolve(target) if target else self.stages[-1]
        if goal is None:
            return []
        wanted = {goal.index}
        pending = [goal]
        while pending:
            stage = pending.pop()
            sources = [stage.base_stage] if stage.base_stage is not None else []
            sources += [s for st in stage.steps for _, s in _step_sources(st.instruction)]
            for source in sources:
                found = self.resolve(source) or self.stage(source)
                if found is not None and found.index not in wanted:
                    wanted.add(found.index)
                    pending.append(found)
        return [s for s in self.stages if s.index in wanted]

    def line_of(self, label: str | None, index: int) -> Instruction | None:
        """The instruction of step `index` of stage `label`."""
        stage = self.stage(label)
        if stage is None:
            return None
        for step in stage.steps:
            if step.index == index:
                return step.instruction
        return None


def _label(stage: Stage) -> str:
    return stage.label if stage.label is not None else f"stage-{stage.index}"


def _step_sources(instruction: Instruction) -> list[tuple[str, str]]:
    """(kind, source) of what a step takes from elsewhere: `--from=` of COPY/ADD,
    `from=` of each RUN --mount."""
    out: list[tuple[str, str]] = []
    for flag in instruction.flags:
        name, _, value = flag.partition("=")
        if name == "--from" and instruction.keyword in ("COPY", "ADD") and value:
            out.append(("copy", value))
        elif name == "--mount" and instruction.keyword == "RUN":
            for part in value.split(","):
                key, _, val = part.partition("=")
                if key.strip() == "from" and val.strip():
                    out.append(("mount", val.strip()))
    return out


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, comments and parser directives left out.

    As BuildKit's parser reads them: lines end at `\\n` (a `\\r` before it is dropped);
    the parser directives at the top (`# escape=` picks the escape character, backslash
    or backtick); a line that ends with the escape character (spaces and tabs after it
    allowed, a doubled escape excepted) goes on on the next line, whose leading spaces
    are kept; comment and empty lines inside a continuation are skipped but counted;
    after a RUN, COPY or ADD (or `ONBUILD` of one) not in JSON form, the bodies of its
    heredocs (`<<EOT`, `<<-EOT`, `<<"EOT"`) follow, each up to its terminator line.
    """
    raw_lines = physical_lines(text)
    lines = [line.rstrip("\r") for line in raw_lines]
    escape = _escape_directive(lines)
    out: list[Instruction] = []
    count = len(lines)
    i = 0
    while i < count:
        token = lines[i].lstrip(_SPACE)
        if token.startswith("#"):
            token = ""
        first = i
        piece, more = _continued(token, escape)
        if not more and not piece:
            i += 1
            continue
        parts = [piece]
        while more and i + 1 < count:
            i += 1
            raw = lines[i]
            stripped = raw.lstrip(_SPACE)
            if not stripped or stripped.startswith("#"):
                continue  # BuildKit skips them (a warning for empty ones)
            piece, more = _continued(raw, escape)
            parts.append(piece)
        joined = "".join(parts)
        keyword, flags, operands = _split_command(joined, escape)
        arguments = joined.strip(_SPACE)[len(keyword) :].strip(_SPACE)
        heredocs: list[Heredoc] = []
        if "<<" in joined and _can_have_heredocs(keyword, operands, escape):
            for name, chomp in _heredoc_names(joined):
                body: list[str] = []
                starts = i + 2
                while i + 1 < count:
                    i += 1
                    line = lines[i]
                    if (line.lstrip("\t") if chomp else line) == name:
                        break
                    body.append(raw_lines[i])
                heredocs.append(Heredoc(name, chomp, "".join(f"{b}\n" for b in body), starts))
        keyword = keyword.upper()
        words = tuple(_words(operands, escape)) if keyword in _WORDED else ()
        out.append(
            Instruction(
                keyword,
                arguments,
                first + 1,
                i + 1,
                tuple(flags),
                operands=operands,
                words=words,
                heredocs=tuple(heredocs),
            )
        )
        i += 1
    return out


def physical_lines(text: str) -> list[str]:
    """Lines as BuildKit's scanner cuts them: at `\\n` only (a `\\r` before it stays), a
    byte-order mark at the start dropped; at most MAX_LINES."""
    text = text[:MAX_CHARS].removeprefix("\ufeff")
    lines = text.split("\n", MAX_LINES)[:MAX_LINES]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _escape_directive(lines: Sequence[str]) -> str:
    """The escape character the parser directives at the top choose (backslash if none).

    Directives are `# name=value` comment lines (syntax, escape, check) before anything
    else: an empty line, another comment or an instruction ends them."""
    escape = "\\"
    seen: set[str] = set()
    for line in lines:
        directive = _directive(line.lstrip(_SPACE))
        if directive is None:
            break
        name, value = directive
        if name in seen:
            break  # BuildKit refuses the Dockerfile; the rest is read as it stands
        seen.add(name)
        if name == "escape" and value in ("\\", "`"):
            escape = value
    return escape


def _directive(line: str) -> tuple[str, str] | None:
    """(name, value) of a `# name=value` parser directive line, else None."""
    if not line.startswith("#"):
        return None
    key, equals, value = line[1:].lstrip(_SPACE).partition("=")
    key, value = key.rstrip(_RE2_SPACE), value.strip(_RE2_SPACE)
    if not equals or not value or _DIRECTIVE_NAME.fullmatch(key) is None:
        return None
    name = key.lower()
    return (name, value) if name in _DIRECTIVES else None


def _continued(line: str, escape: str) -> tuple[str, bool]:
    """(`line` without its continuation escape, whether it goes on on the next line)."""
    body = line.rstrip(" \t")
    if body.endswith(escape) and (len(body) == 1 or body[-2] != escape):
        return body[:-1], True
    return line, False


def _split_command(line: str, escape: str) -> tuple[str, list[str], str]:
    """(keyword as written, its `--flag` words, the rest), as BuildKit's splitCommand."""
    stripped = line.strip(_SPACE)
    cut = 0
    while cut < len(stripped) and stripped[cut] not in _SEPARATORS:
        cut += 1
    keyword = stripped[:cut]
    if cut == len(stripped):
        return keyword, [], ""
    rest = stripped[cut:].lstrip(_SEPARATORS)
    operands, flags = _builder_flags(rest, escape)
    return keyword, flags, operands.strip(_SPACE)


def _builder_flags(line: str, escape: str) -> tuple[str, list[str]]:
    """(the rest, the leading `--name=value` words), as BuildKit's extractBuilderFlags:
    quotes removed from the words, a `--` word ends them."""
    words: list[str] = []
    pos, size = 0, len(line)
    while True:
        while pos < size and line[pos] in _SPACE:
            pos += 1
        if pos == size:
            return "", words
        if not line.startswith("--", pos) or pos + 1 == size:
            return line[pos:], words
        word: list[str] = []
        quote = ""
        blank_ok = False
        while pos < size:
            char = line[pos]
            if quote:
                if char == quote:
                    quote = ""
                    pos += 1
                    continue
            elif char in _SPACE:
                break
            elif char in "'\"":
                quote, blank_ok = char, True
                pos += 1
                continue
            if char == escape:
                if pos + 1 == size:
                    pos += 1
                    quote = ""
                    continue
                pos += 1
                char = line[pos]
            word.append(char)
            pos += 1
        text = "".join(word)
        if text == "--" and pos < size:
            return line[pos:], words
        if text != "--" and (blank_ok or text):
            words.append(text)
        if pos == size:
            return "", words


def _words(text: str, escape: str) -> list[str]:
    """Whitespace-separated words, quotes and escapes kept but respected, as BuildKit's
    parseWords splits ARG, ENV and FROM: `A=1 B="x y"` is two words."""
    words: list[str] = []
    word: list[str] = []
    quote = ""
    in_word = blank_ok = False
    pos, size = 0, len(text)
    while pos < size:
        char = text[pos]
        if quote:
            if char == escape and quote != "'":
                if pos + 1 == size:
                    break  # an escape at the very end is dropped
                word.append(char)
                pos += 1
                char = text[pos]
            elif char == quote:
                quote = ""
            word.append(char)
        elif char in _SPACE:
            if in_word and (blank_ok or word):
                words.append("".join(word))
            word, in_word, blank_ok = [], False, False
        else:
            in_word = True
            if char in "'\"":
                quote, blank_ok = char, True
            if char == escape:
                if pos + 1 == size:
                    pos += 1
                    continue
                word.append(char)
                pos += 1
                char = text[pos]
            word.append(char)
        pos += 1
    if in_word and (blank_ok or word):
        words.append("".join(word))
    return words


def unquote(word: str, escape: str = "\\") -> str:
    """`word` with its quotes removed and its escapes applied, as the shell lexer reads
    an ARG default or an ENV value: `"x y"` -> `x y`, `'a'b` -> `ab`."""
    out: list[str] = []
    quote = ""
    pos, size = 0, len(word)
    while pos < size:
        char = word[pos]
        if quote:
            if char == quote:
                quote = ""
            elif char == escape and quote == '"' and pos + 1 < size:
                pos += 1
                out.append(word[pos])
            else:
                out.append(char)
        elif char in "'\"":
            quote = char
        elif char == escape and pos + 1 < size:
            pos += 1
            out.append(word[pos])
        else:
            out.append(char)
        pos += 1
    return "".join(out)


def _can_have_heredocs(keyword: str, operands: str, escape: str) -> bool:
    """RUN, COPY and ADD (also after ONBUILD) take heredocs, unless in JSON form."""
    if keyword.upper() == "ONBUILD":
        keyword, _, operands = _split_command(operands, escape)
    if keyword.upper() not in _HEREDOC_KEYWORDS:
        return False
    if operands.startswith("["):
        try:
            value = json.loads(operands)
        except ValueError:
            return True
        return not (isinstance(value, list) and all(isinstance(v, str) for v in value))
    return True


def _heredoc_names(line: str) -> list[tuple[str, bool]]:
    """(terminator, tabs stripped) of each heredoc the joined line opens, in order: each
    shell word of the form `[n]<<[-]NAME` with NAME, unquoted, one word without `<`."""
    out: list[tuple[str, bool]] = []
    for word in _words(line, "\\"):
        start = 0
        while start < len(word) and word[start].isdigit() and word[start].isascii():
            start += 1
        if not word.startswith("<<", start):
            continue
        rest = word[start + 2 :]
        chomp = rest.startswith("-")
        rest = rest[1:] if chomp else rest
        rest = rest.lstrip(_RE2_SPACE)
        if not rest or "<" in rest:
            continue
        name = unquote(rest)
        if name:
            out.append((name, chomp))
    return out


def substitute(text: str, values: Mapping[str, str | None]) -> str:
    """`$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and
    `${NAME+word}` replaced as BuildKit does; a name without a value is empty."""
    return _VARIABLE.sub(lambda match: _one(match, values), text)


def parse(text: str, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """The stages of Dockerfile `text`. `build_args` (values given with --build-arg, when
    known) override the defaults of the ARGs before the first FROM in FROM lines."""
    given = dict(build_args or {})
    global_args: dict[str, str | None] = {}
    raw: list[tuple[Instruction, list[Instruction]]] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            raw.append((instruction, []))
        elif not raw:
            if instruction.keyword == "ARG":
                for arg, default in arg_names(instruction):
                    global_args[arg] = default
        else:
            raw[-1][1].append(instruction)
    values: dict[str, str | None] = {n: given.get(n, d) for n, d in global_args.items()}
    stages: list[Stage] = []
    names: dict[str, str] = {}
    name: str | None
    several = len(raw) > 1
    for index, (source, body) in enumerate(raw):
        words = source.operands.split()
        base = substitute(words[0], values) if words else ""
        name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
        label = name if name is not None else (f"stage-{index}" if several else None)
        base_stage = names.get(base.lower())
        steps: list[Instruction] = []
        if base_stage is None and base.lower() != "scratch":
            steps.append(Instruction("FROM", base, source.line, source.end_line, source.flags))
        args: list[tuple[str, int]] = []
        variables: list[tuple[str, str, str | None, int]] = []
        for instruction in body:
            if instruction.keyword in STEP_KEYWORDS:
                steps.append(instruction)
            elif instruction.keyword == "ARG":
                for arg, default in arg_names(instruction):
                    args.append((arg, instruction.line))
                    variables.append(("ARG", arg, default, instruction.line))
            elif instruction.keyword == "ENV":
                for env, value in env_pairs(instruction):
                    variables.append(("ENV", env, value, instruction.line))
        total = len(steps)
        planned = tuple(PlannedStep(i + 1, total, s) for i, s in enumerate(steps))
        stages.append(
            Stage(
                index,
                name,
                label,
                base,
                base_stage,
                source.line,
                planned,
                tuple(args),
                tuple(variables),
            )
        )
        if name is not None:
            names[name] = label or name
    return Dockerfile(tuple(stages), global_args)


def env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    """The (name, value) pairs an ENV sets: `ENV a=1 b="x y"`, or the old `ENV a x y`
    form (one name, the rest its value); values unquoted."""
    words = instruction.words
    if not words:
        return []
    if "=" not in words[0]:
        name, value = (*_SEPARATOR_RUN.split(instruction.operands, maxsplit=1), "")[:2]
        return [(name, unquote(value.strip(_SPACE)))]
    return [(k, unquote(v)) for k, eq, v in (w.partition("=") for w in words) if eq and k]


def step_environment(
    dockerfile: Dockerfile, label: str | None, line: int, build_args: Mapping[str, str]
) -> dict[str, str]:
    """The variables a step at `line` of stage `label` sees: the ENVs of the stages it is
    FROM, then its stage's ENVs and declared ARGs (given with --build-arg, else their
    default) before that line."""
    stage = dockerfile.stage(label)
    if stage is None:
        return {}
    env: dict[str, str] = {}
    seen = {stage.index}
    chain = [stage]
    while chain[-1].base_stage is not None:
        parent = dockerfile.stage(chain[-1].base_stage)
        if parent is None or parent.index in seen:
            break
        seen.add(parent.index)
        chain.append(parent)
    for ancestor in reversed(chain[1:]):
        for kind, name, value, _ in ancestor.variables:
            if kind == "ENV" and value is not None:
                env[name] = substitute(value, env)
    for kind, name, value, at in stage.variables:
        if at >= line:
            break
        if kind == "ENV" and value is not None:
            env[name] = substitute(value, env)
        elif kind == "ARG":
            given = build_args.get(name, value)
            if given is not None:
                env[name] = given
    return env


def expand_command(text: str, env: Mapping[str, str]) -> str:
    """A RUN step's text with its variables expanded, as BuildKit names the step: quotes
    kept, nothing expanded inside single quotes or after a backslash."""
    out: list[str] = []
    for part in re.split(r"('[^']*'|\\\$)", text):
        if part.startswith("'") or part == "\\$":
            out.append(part)
        else:
            out.append(_VARIABLE.sub(lambda m: _one(m, env), part))
    return "".join(out)


def _one(match: re.Match[str], values: Mapping[str, str | None]) -> str:
    name = match.group(1) or match.group(4)
    value = values.get(name)
    modifier, word = match.group(2), match.group(3) or ""
    if modifier == ":-":
        return value if value else word
    if modifier == "-":
        return value if value is not None else word
    if modifier == ":+":
        return word if value else ""
    if modifier == "+":
        return word if value is not None else ""
    return value or ""


def arg_names(instruction: Instruction) -> list[tuple[str, str | None]]:
    """The (name, default or None) of each name an ARG declares: `ARG A B=1 C="x y"`."""
    out: list[tuple[str, str | None]] = []
    for word in instruction.words:
        name, equals, default = word.partition("=")
        if _ARG_NAME.fullmatch(name):
            out.append((name, unquote(default) if equals else None))
    return out


def stage_names(text: str) -> list[str]:
    """The stage names of Dockerfile `text` (`FROM image AS name`), in order, in lower
    case as BuildKit's step names spell them."""
    return [stage.name for stage in parse(text).stages if stage.name is not None]


def image_name(reference: str) -> str:
    """A FROM image as BuildKit's step names spell it: `busybox` ->
    `docker.io/library/busybox:latest`, `me/app:1` -> `docker.io/me/app:1`."""
    name, at, digest = reference.partition("@")
    first, slash, _ = name.partition("/")
    if not slash or not ("." in first or ":" in first or first == "localhost"):
        name = f"docker.io/{name}" if slash else f"docker.io/library/{name}"
    if not at and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return f"{name}{at}{digest}"
