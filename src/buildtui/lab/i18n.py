"""The lab's names for the app-wide translation layer (`buildtui.i18n`): the guide and
the report take a `Translate` callable for one language (`translator("pl")`)."""

from __future__ import annotations

from buildtui.i18n import (
    LANGUAGES,
    Translator,
    decimal,
    language_from_locale,
    language_of,
    translator,
)

__all__ = [
    "LANGUAGES",
    "Translator",
    "decimal",
    "language_from_locale",
    "language_of",
    "translator",
]
