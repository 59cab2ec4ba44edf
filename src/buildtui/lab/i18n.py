"""English and Polish for the Lab pane and the report, through gettext.

The Polish catalogue's source is `buildtui/locale/pl/LC_MESSAGES/buildtui.po`. A wheel
ships the compiled `buildtui.mo` beside it (`scripts/compile_translations.py`); a
source tree without it (or with an older one) compiles the `.po` at run time into the
cache dir, so a fresh checkout is translated too. English is the source language.
"""

from __future__ import annotations

import ast
import gettext
import hashlib
import locale
import os
import stat
import struct
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import platformdirs

from buildtui.private_files import write_private

DOMAIN = "buildtui"
LANGUAGES = ("en", "pl")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def language_from_locale(environ: Mapping[str, str] | None = None) -> str:
    """`pl` when the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE) is Polish, else `en`."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(name, "")
        if value:
            return "pl" if value.lower().startswith("pl") else "en"
    with_locale = locale.getlocale()[0] or ""
    return "pl" if with_locale.lower().startswith("pl") else "en"


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (no plurals or contexts: the catalogue uses none);
    the header entry (empty msgid) is kept, untranslated entries are left out."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            key, value = "".join(msgid), "".join(msgstr)
            if value or not key:
                entries[key] = value

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    return entries


def compile_mo(entries: Mapping[str, str]) -> bytes:
    """The GNU .mo file for `entries` (as msgfmt writes it, without a hash table)."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + len(keys) * 8
    data = strs_table + len(keys) * 8
    offsets: list[tuple[int, int]] = []
    blob = b""
    for text in ids + strs:
        offsets.append((len(text), data + len(blob)))
        blob += text + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    for length, offset in offsets:
        out += struct.pack("<2I", length, offset)
    return out + blob


def mo_path(language: str) -> Path:
    """The compiled catalogue: shipped beside the .po, else compiled into the cache dir,
    named after the .po's content (two checkouts of different versions share the cache
    dir: each finds its own catalogue, never the other's)."""
    po = po_path(language)
    shipped = po.with_suffix(".mo")
    if shipped.exists() and shipped.stat().st_mtime >= po.stat().st_mtime:
        return shipped
    source = po.read_bytes()
    compiled = compiled_path(language, source)
    try:
        info = os.lstat(compiled)
    except FileNotFoundError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):  # missing, or a link planted there
        write_private(compiled, compile_mo(parse_po(source.decode("utf-8"))))
    return compiled


def compiled_path(language: str, source: bytes) -> Path:
    """Where the catalogue compiled from `source` (the .po's bytes) is cached."""
    cache = Path(platformdirs.user_cache_dir(DOMAIN)) / "locale" / language / "LC_MESSAGES"
    return cache / f"{DOMAIN}-{hashlib.sha256(source).hexdigest()[:16]}.mo"


class Translator:
    """`gettext` for one language, which it names (a figure is written with that
    language's decimal mark: `decimal`)."""

    def __init__(self, language: str, lookup: Callable[[str], str] = str) -> None:
        self.language = language
        self._lookup = lookup

    def __call__(self, text: str) -> str:
        return self._lookup(text)

    def decimal(self, text: str) -> str:
        """A figure formatted in English (`90.1 kB`) with this language's decimal mark."""
        return text.replace(".", ",") if self.language == "pl" else text


_CACHE: dict[str, Translator] = {}
ENGLISH = Translator("en")


def translator(language: str) -> Translator:
    """`gettext` for `language`: English returns the text as it is."""
    if language not in LANGUAGES or language == "en":
        return ENGLISH
    if language not in _CACHE:
        try:
            with mo_path(language).open("rb") as mo:
                _CACHE[language] = Translator(language, gettext.GNUTranslations(mo).gettext)
        except OSError:
            return ENGLISH
    return _CACHE[language]


def language_of(translate: Callable[[str], str]) -> str:
    """The language a translation function speaks (`en` for a plain one)."""
    return translate.language if isinstance(translate, Translator) else "en"


def decimal(translate: Callable[[str], str], text: str) -> str:
    """`text` (a figure such as `90.1 kB`) with the decimal mark of `translate`'s language."""
    return translate.decimal(text) if isinstance(translate, Translator) else text


TRANSLATED_SOURCES = (
    "lab/checklist.py",
    "lab/engine_items.py",
    "lab/build_items.py",
    "lab/imported.py",
    "lab/presentation.py",
    "lab/proofs.py",
    "lab/timeline.py",
    "lab/report.py",
    "lab/report_space.py",
    "lab/service.py",
    "app/panes/lab.py",
    "lab/report_pictures.py",
    "app/screens/lab_submit.py",
    "classroom/remote.py",
    "classroom/submit.py",
    "classroom/checks.py",
    "classroom/service.py",
    "classroom/present.py",
    "app/panes/class_pane.py",
    "app/screens/class_report.py",
    "commands/lab.py",
    "commands/classroom.py",
)
"""The modules whose messages are translated (relative to the package)."""
_CALLS = {"_", "t", "translate"}


def extract_messages(paths: Sequence[Path] | None = None) -> list[str]:
    """Every literal message given to `_()`, `self.t()` or `translate()`, in source order,
    each once (what the .po must translate)."""
    package = Path(__file__).resolve().parent.parent
    paths = [package / name for name in TRANSLATED_SOURCES] if paths is None else paths
    found: dict[str, None] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name in _CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found[first.value] = None
    return list(found)
