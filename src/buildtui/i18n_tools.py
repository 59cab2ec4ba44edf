"""The catalogue's tooling (never imported by the app): extracting the messages of the
source tree, bringing a .po up to date with them, and checking it.

A message is the literal first argument of `_()`, `N_()`, `TrLabel()`, `translate()` (the lab's
`Translate` callables) or the first two of `ngettext()`, anywhere under the package.
`_()` of something else than a literal (a variable holding an `N_()` text) is allowed;
`_()` of an f-string, a `+` or a `%` is not (`mistakes` lists them): the catalogue could
never hold it.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from buildtui.i18n import DOMAIN, LANGUAGES, po_path

PACKAGE = Path(__file__).resolve().parent
SINGULAR_CALLS = {"_", "N_", "translate", "TrLabel"}
PLURAL_CALLS = {"ngettext", "N_plural"}
HEADER_COMMENT = (
    "Polish translations of buildtui. Sorted by msgid, so that concurrent edits merge.\n"
    "Brought up to date by scripts/update_translations.py; the terms follow\n"
    "src/buildtui/locale/GLOSSARY.md."
)


@dataclass
class Message:
    """One msgid (and its plural), with where it occurs."""

    id: str | tuple[str, str]
    locations: list[tuple[str, int]] = field(default_factory=list)


MECHANISM = ("i18n.py", "i18n_tools.py")
"""The translation layer itself (its calls pass messages on, they hold none)."""


def source_files(root: Path = PACKAGE) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*.py")
        if "__pycache__" not in p.parts and not (p.parent == PACKAGE and p.name in MECHANISM)
    )


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(paths: Iterable[Path] | None = None) -> dict[str | tuple[str, str], Message]:
    """Every message of `paths` (default: the whole package), keyed by msgid."""
    found: dict[str | tuple[str, str], Message] = {}
    for path in source_files() if paths is None else paths:
        try:
            where = str(path.relative_to(PACKAGE))
        except ValueError:
            where = str(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _name(node.func)
            key: str | tuple[str, str] | None = None
            if name in SINGULAR_CALLS:
                key = _literal(node.args[0])
            elif name in PLURAL_CALLS and len(node.args) >= 2:
                singular, plural = _literal(node.args[0]), _literal(node.args[1])
                if singular is not None and plural is not None:
                    key = (singular, plural)
            if key is not None and key != "":
                found.setdefault(key, Message(key)).locations.append((where, node.lineno))
    return found


def extract_messages(paths: Sequence[Path] | None = None) -> list[str]:
    """The singular msgids (and plural ones' singular) of `paths`, sorted."""
    return sorted(k if isinstance(k, str) else k[0] for k in extract(paths))


def mistakes(paths: Iterable[Path] | None = None) -> list[str]:
    """`file:line: why` for each message the catalogue could never hold: `_()` of an
    f-string, a concatenation or a `%` format; a plural form that is no literal."""
    problems = []
    for path in source_files() if paths is None else paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _name(node.func)
            first = node.args[0]
            where = f"{path}:{node.lineno}"
            if name in SINGULAR_CALLS | PLURAL_CALLS and isinstance(first, ast.JoinedStr):
                problems.append(f"{where}: {name}() of an f-string")
            elif name in SINGULAR_CALLS | PLURAL_CALLS and isinstance(first, ast.BinOp):
                problems.append(f"{where}: {name}() of a + or % expression")
            elif name in PLURAL_CALLS:
                # ngettext(FORMS...) of forms marked elsewhere with N_plural is fine, as
                # _(TITLE) is; one literal form beside a variable one is not
                literal = [_literal(arg) is not None for arg in node.args[:2]]
                if not all(literal) and (name == "N_plural" or any(literal)):
                    problems.append(f"{where}: {name}() needs two literal forms")
    return problems


def shadowed_underscore(paths: Iterable[Path] | None = None) -> list[str]:
    """`file:line` where a module that imports `_` from buildtui.i18n assigns `_` (a
    `for _ in`, `a, _ = ...`): the function would then translate with a throw-away value."""
    problems = []
    for path in source_files() if paths is None else paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "buildtui.i18n"
            and any(alias.name == "_" and alias.asname is None for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imports:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                problems.append(f"{path}:{node.lineno}")
    return problems


# -- the .po ------------------------------------------------------------------------------


def read_catalogue(language: str):  # type: ignore[no-untyped-def]
    """The Babel catalogue of `language`'s .po (an empty one if there is none)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def render_catalogue(catalogue) -> str:  # type: ignore[no-untyped-def]
    """The .po text: sorted by msgid, no locations (they move with every edit and make
    conflicts; `grep -rn` finds a message), no line wrapping (one line per string)."""
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(
        out,
        catalogue,
        width=0,
        no_location=True,
        omit_header=False,
        sort_output=True,
        include_previous=False,
    )
    lines = out.getvalue().decode("utf-8").splitlines(keepends=True)
    # Babel's version would change the file with every Babel release.
    lines = [line for line in lines if not line.startswith('"Generated-By:')]
    return "".join(lines).replace(
        '"Project-Id-Version: buildtui \\n"', '"Project-Id-Version: buildtui\\n"'
    )


def updated_catalogue(  # type: ignore[no-untyped-def]
    language: str,
    messages: dict[str | tuple[str, str], Message],
    also: Sequence[str | Path] = (),
):
    """`language`'s catalogue brought up to date with `messages`: new ones untranslated
    (a close old translation is offered as fuzzy), vanished ones dropped. `also`: other
    .po files (the other side of a conflict) whose translations fill what is missing."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    template = Catalog(domain=DOMAIN)
    for key in messages:
        template.add(key)
    catalogue = read_catalogue(language)
    for other in also:
        with Path(other).open("rb") as handle:
            extra = read_po(handle, locale=language, domain=DOMAIN)
        for entry in extra:
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not entry.id or entry.fuzzy or not all(strings):
                continue
            mine = catalogue.get(entry.id if isinstance(entry.id, str) else entry.id[0])
            if mine is None:
                catalogue.add(entry.id, entry.string)
                continue
            have = mine.string if isinstance(mine.string, tuple) else (mine.string,)
            if not all(have) or mine.fuzzy:
                mine.string = entry.string
                mine.flags.discard("fuzzy")
    catalogue.update(template, no_fuzzy_matching=False, update_header_comment=False)
    catalogue.obsolete.clear()
    catalogue.header_comment = "# " + HEADER_COMMENT.replace("\n", "\n# ")
    catalogue.project = DOMAIN
    catalogue.version = ""
    catalogue.msgid_bugs_address = ""
    catalogue.last_translator = ""
    catalogue.language_team = ""
    catalogue.creation_date = catalogue.revision_date = _EPOCH
    catalogue.fuzzy = False
    return catalogue


_EPOCH = __import__("datetime").datetime(2026, 1, 1)
"""A fixed date for the .po header: a date that changed at every run would conflict."""


@dataclass
class Problems:
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    not_in_catalogue: list[str] = field(default_factory=list)
    fields_differ: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.untranslated or self.fuzzy or self.not_in_catalogue or self.fields_differ)

    def report(self, language: str) -> str:
        parts = []
        for title, items in (
            (
                "in the source but not in the catalogue (run scripts/update_translations.py)",
                self.not_in_catalogue,
            ),
            ("not translated", self.untranslated),
            ("fuzzy (check the translation, then remove the fuzzy flag)", self.fuzzy),
            ("{fields} that differ between msgid and msgstr", self.fields_differ),
        ):
            if items:
                parts.append(f"{len(items)} {title}:\n" + "\n".join(f"  {m!r}" for m in items))
        return f"{po_path(language)}:\n" + "\n".join(parts)


def check(language: str, messages: dict[str | tuple[str, str], Message] | None = None) -> Problems:
    """What keeps `language`'s catalogue from translating every message of the source."""
    import re

    fields = re.compile(r"\{[^{}]*\}")
    messages = extract() if messages is None else messages
    catalogue = read_catalogue(language)
    problems = Problems()
    for key in sorted(messages, key=str):
        entry = catalogue.get(key if isinstance(key, str) else key[0])
        shown = key if isinstance(key, str) else key[0]
        if entry is None or (isinstance(key, tuple) and not isinstance(entry.id, tuple)):
            problems.not_in_catalogue.append(shown)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            problems.untranslated.append(shown)
        elif entry.fuzzy:
            problems.fuzzy.append(shown)
        else:
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            wanted = sorted(set().union(*(fields.findall(i) for i in ids)))
            for string in strings:
                if sorted(set(fields.findall(string))) != wanted:
                    problems.fields_differ.append(shown)
                    break
    return problems


def other_languages() -> list[str]:
    return [language for language in LANGUAGES if language != "en"]
