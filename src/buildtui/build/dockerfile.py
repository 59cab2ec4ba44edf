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

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

STEP_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
"""The instructions BuildKit makes a step (a vertex) of, besides `FROM image`."""
MAX_LINES = 100_000

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    """Upper case: RUN, COPY, FROM ..."""
    arguments: str
    """Its text after the keyword, continuation lines joined as BuildKit joins them."""
    line: int
    """The line it starts on (1-based)."""
    end_line: int
    flags: tuple[str, ...] = ()
    """Its `--flag=value` words (`--from=build1`, `--mount=type=cache,...`)."""

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
    """The Dockerfile's instructions, comments and directives left out."""
    lines = text.splitlines()[:MAX_LINES]
    escape = "\\"
    start = 0
    # Parser directives: `# name=value` lines at the very top.
    while start < len(lines):
        match = _DIRECTIVE.match(lines[start].strip())
        if match is None:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        start += 1
    out: list[Instruction] = []
    i = start
    while i < len(lines):
        raw = lines[i].strip()
        if not raw or raw.startswith("#"):
            i += 1
            continue
        first = i
        parts: list[str] = []
        line = lines[i]
        while True:
            stripped = line.rstrip()
            if stripped.endswith(escape) and i + 1 < len(lines):
                parts.append(stripped[: -len(escape)].lstrip() if not parts else stripped[:-1])
                i += 1
                # Comment and empty lines inside a continuation are dropped.
                while i < len(lines) and (
                    not lines[i].strip() or lines[i].lstrip().startswith("#")
                ):
                    i += 1
                if i >= len(lines):
                    break
                line = lines[i]
                continue
            parts.append(stripped.lstrip() if not parts else stripped)
            break
        joined = "".join(parts)
        keyword, _, arguments = joined.partition(" ")
        keyword = keyword.upper()
        arguments = arguments.strip()
        end = i
        if keyword in ("RUN", "COPY", "ADD"):
            end, arguments = _heredocs(lines, i, arguments)
            i = end
        out.append(Instruction(keyword, arguments, first + 1, end + 1, _flags(arguments)))
        i += 1
    return out


def _heredocs(lines: list[str], last: int, arguments: str) -> tuple[int, str]:
    """The last line of the bodies of the instruction's `<<EOT` heredocs."""
    end = last
    for match in _HEREDOC.finditer(arguments):
        terminator = match.group(3)
        strip_tabs = match.group(1) == "-"
        j = end + 1
        while j < len(lines):
            body = lines[j].lstrip("\t") if strip_tabs else lines[j]
            if body == terminator:
                break
            j += 1
        end = min(j, len(lines) - 1)
    return end, arguments


def _flags(arguments: str) -> tuple[str, ...]:
    flags = []
    for word in arguments.split():
        if not word.startswith("--"):
            break
        flags.append(word)
    return tuple(flags)


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
                for arg, default in _arg_names(instruction.arguments):
                    global_args[arg] = default
        else:
            raw[-1][1].append(instruction)
    values: dict[str, str | None] = {n: given.get(n, d) for n, d in global_args.items()}
    stages: list[Stage] = []
    names: dict[str, str] = {}
    name: str | None
    several = len(raw) > 1
    for index, (source, body) in enumerate(raw):
        words = [w for w in source.arguments.split() if not w.startswith("--")]
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
                for arg, default in _arg_names(instruction.arguments):
                    args.append((arg, instruction.line))
                    variables.append(("ARG", arg, default, instruction.line))
            elif instruction.keyword == "ENV":
                for env, value in _env_pairs(instruction.arguments):
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


def _env_pairs(arguments: str) -> list[tuple[str, str]]:
    """`ENV a=1 b="x y"` or the old `ENV a x y` form."""
    try:
        words = shlex.split(arguments, posix=True)
    except ValueError:
        words = arguments.split()
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(k, v) for k, eq, v in (w.partition("=") for w in words) if eq and k]


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


def _arg_names(arguments: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for word in arguments.split():
        name, equals, default = word.partition("=")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            out.append((name, default.strip("\"'") if equals else None))
    return out


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
