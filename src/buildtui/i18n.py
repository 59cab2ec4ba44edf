"""Translations for the whole app: the TUI, the command-line twins' human output, the
lab report. English is the source language; Polish comes from a gettext catalogue.

How to write a message (every module, domain packages included; none of this imports
Textual):

    from buildtui.i18n import N_, _, ngettext

    _("Deleted {ref}").format(ref=ref)                  # a whole sentence, named fields
    ngettext("{count} step", "{count} steps", n).format(count=n)   # 1 krok / 2 kroki / 5 kroków
    TITLE = N_("Refresh")        # text made at import time (a binding's title, a column):
    ...  _(TITLE)                # marked with N_, translated where it is shown
    FORMS = N_plural("{count} step", "{count} steps")   # the same, with a plural:
    ...  ngettext(*FORMS, n)                              # translated where it is shown

- Never glue pieces of a sentence together (`"Deleted " + what`), never `_(f"...")`:
  the translator sees the whole sentence with `{named}` fields and may reorder them.
- Numbers, sizes and times go through `buildtui.l10n` (`2,1 MB`, `7 grudnia 2026`), not
  through format specs inside a message (`{ratio:.1f}` would keep the decimal point).
- Data stays data: digests, tags, commands, JSON keys and values, words buildx or a
  registry said are never translated.

The language is one per process, chosen at start (`set_language`) from the `language`
setting, else the locale (`language_from_locale`: LANGUAGE, LC_ALL, LC_MESSAGES, LANG),
else English. The app's palette switches it (all panes render again). `speaking(lang)`
changes it for the current thread or task only, while it lasts: a report written in
another language than the app's, the lab's evidence kept in both languages, `--json`
(always English). Text is translated when it is made: a message kept in data (an
error's text) stays in the language it was made in until it is made again.

The catalogue's source is `locale/pl/LC_MESSAGES/buildtui.po`, sorted by msgid so that
concurrent edits merge. `scripts/update_translations.py` extracts every `_()`, `N_()` and
`ngettext()` of the source tree into it (new messages get an empty translation, changed
ones a fuzzy guess); `tests/unit/foundation/test_i18n.py` fails, listing them, until each
is translated. The app reads the compiled `buildtui.mo` beside the .po when it is there
and current (a wheel ships it: `update_translations.py --mo`), else compiles the .po
once into the cache dir, named after its content's hash.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import stat
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "buildtui"
LANGUAGES = ("en", "pl")
"""The languages buildtui speaks; English is the source language."""
LANGUAGE_NAMES = {"en": "English", "pl": "Polski"}
"""Each language by its own name (how the palette offers it)."""
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_process_language = "en"
_local_language: ContextVar[str | None] = ContextVar("buildtui_language", default=None)
_catalogues: dict[str, gettext.NullTranslations] = {}
_catalogues_lock = threading.Lock()


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it (text made at import
    time); translate it with `_()` where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural for the catalogue without translating it; translate
    it with `ngettext(singular, plural, count)` where it is shown."""
    return singular, plural


def language() -> str:
    """The language text is made in now (this thread's `speaking`, else the process's)."""
    return _local_language.get() or _process_language


def set_language(value: str) -> None:
    """Make `value` the language of the whole process (an unknown one is English)."""
    global _process_language
    _process_language = value if value in LANGUAGES else "en"


@contextmanager
def speaking(value: str) -> Iterator[None]:
    """Make text in `value` in this thread (or task) while it lasts; others keep theirs."""
    token = _local_language.set(value if value in LANGUAGES else "en")
    try:
        yield
    finally:
        _local_language.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for `count` in the current language (Polish has three:
    1 krok, 2 kroki, 5 kroków)."""
    return catalogue(language()).ngettext(singular, plural, count)


def language_from_locale(environ: Mapping[str, str] | None = None) -> str:
    """`pl` or `en` as gettext would choose: LANGUAGE (a list, `pl:en`), then LC_ALL,
    LC_MESSAGES, LANG; `C`/`POSIX` and other languages are English."""
    environ = os.environ if environ is None else environ
    for part in environ.get("LANGUAGE", "").split(":"):
        code = part.strip().lower()
        if code[:2] in LANGUAGES:
            return code[:2]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            return "pl" if value.lower().startswith("pl") else "en"
    return "en"


# -- the catalogue ------------------------------------------------------------------------


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compiled_path(language: str, source: bytes) -> Path:
    """Where the catalogue compiled from `source` (the .po's bytes) is cached."""
    import platformdirs

    cache = Path(platformdirs.user_cache_dir(DOMAIN)) / "locale" / language / "LC_MESSAGES"
    return cache / f"{DOMAIN}-{hashlib.sha256(source).hexdigest()[:16]}.mo"


def compile_mo(po_text: str) -> bytes:
    """The .mo file for the catalogue `po_text` (fuzzy and untranslated entries left out)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = io.BytesIO()
    write_mo(out, read_po(io.StringIO(po_text)), use_fuzzy=False)
    return out.getvalue()


def mo_path(language: str) -> Path:
    """The compiled catalogue: shipped beside the .po, else compiled into the cache dir,
    named after the .po's content (two checkouts of different versions share the cache
    dir: each finds its own catalogue, never the other's)."""
    from buildtui.private_files import write_private

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
        write_private(compiled, compile_mo(source.decode("utf-8")))
    return compiled


def catalogue(language: str) -> gettext.NullTranslations:
    """The translations of `language` (English, or one that cannot be read: the text as
    it is, with English plurals)."""
    found = _catalogues.get(language)
    if found is not None:
        return found
    with _catalogues_lock:
        if language not in _catalogues:
            loaded: gettext.NullTranslations = gettext.NullTranslations()
            if language in LANGUAGES and language != "en":
                try:
                    with mo_path(language).open("rb") as mo:
                        loaded = gettext.GNUTranslations(mo)
                except OSError:
                    pass
            _catalogues[language] = loaded
        return _catalogues[language]


# -- a translator for one language, passed as a callable (the lab's guide and report) ----


class Translator:
    """`gettext` for one language, which it names: `translate("text")` whatever the
    current language is (the lab makes its evidence in both languages at once)."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "en"

    def __call__(self, text: str) -> str:
        return catalogue(self.language).gettext(text)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return catalogue(self.language).ngettext(singular, plural, count)

    def decimal(self, text: str) -> str:
        """A figure formatted in English (`90.1 kB`) with this language's decimal mark."""
        with speaking(self.language):
            return decimal_mark(text)


def translator(language: str) -> Translator:
    return Translator(language)


def language_of(translate: Callable[[str], str]) -> str:
    """The language a translation function speaks (the current one for `_`, English for
    any other)."""
    if isinstance(translate, Translator):
        return translate.language
    return language() if translate is _ else "en"


def decimal(translate: Callable[[str], str], text: str) -> str:
    """`text` (a figure such as `90.1 kB`) with the decimal mark of `translate`'s language."""
    with speaking(language_of(translate)):
        return decimal_mark(text)


def decimal_mark(text: str) -> str:
    """`text`, a figure written in English (`90.1 kB`, `1.5 s`), with the current
    language's decimal mark."""
    return text.replace(".", ",") if language() == "pl" else text
