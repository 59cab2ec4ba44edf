"""English left in Polish output: each catalogue message's English wording (its words
between the `{fields}`, at least two words and 12 characters long) that its Polish
translation does not also hold (commands, flags and names stay as they are in both). Such
a phrase in Polish output is text that was not translated. Data (tags, digests, a build's
own log, buildx's words) is not catalogue text and is not looked for."""

from __future__ import annotations

import re
from functools import cache

from buildtui.i18n_tools import read_catalogue

FIELD = re.compile(r"\{[^{}]*\}|\n")
SIZE_WITH_POINT = re.compile(r"\b\d+\.\d+\s?(?:B|kB|KB|MB|GB|TB|KiB|MiB|GiB)\b")
"""A size written with a decimal point (`2.1 MB`): Polish writes `2,1 MB`."""


@cache
def english_phrases() -> dict[str, str]:
    """English phrase -> the msgid it comes from, for every translated message."""
    phrases: dict[str, str] = {}
    for message in read_catalogue("pl"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        polish = " ".join(strings)
        for english in ids:
            for part in FIELD.split(english):
                phrase = part.strip(" .,:;()·-\N{EN DASH}")
                if len(phrase) >= 12 and " " in phrase and phrase not in polish:
                    phrases.setdefault(phrase, ids[0])
    return phrases


@cache
def english_headings() -> frozenset[str]:
    """The catalogue's one-word headings in capitals (`SIZE`, `KIND`) that Polish writes
    otherwise: a table's column left in English."""
    found = set()
    for message in read_catalogue("pl"):
        heading = isinstance(message.id, str) and re.fullmatch(r"[A-Z][A-Z:/ ]{3,}", message.id)
        if heading and message.string and message.string != message.id:
            found.add(message.id)
    return frozenset(found)


def untranslated(text: str) -> list[str]:
    """The catalogue's English phrases and headings found in `text`, each with its msgid."""
    phrases = english_phrases()
    found = [f"{phrase!r} (from {phrases[phrase]!r})" for phrase in phrases if phrase in text]
    found += [
        f"{heading!r} (a heading)"
        for heading in english_headings()
        if re.search(rf"(?<![\w:/]){re.escape(heading)}(?![\w:/])", text)
    ]
    return sorted(found)


def markdown_prose(text: str) -> str:
    """A Markdown document without its fenced code blocks and inline code (commands and
    the build logs quoted as evidence are data)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", prose)


def sizes_with_a_point(text: str) -> list[str]:
    return SIZE_WITH_POINT.findall(text)
