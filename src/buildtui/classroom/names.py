"""A student's name as the tag of their submission in the class's repository.

A tag has at most 128 of the characters `A-Z a-z 0-9 _ . -`, and does not start with `.`
or `-`. A name that is a tag already is used as it is; any other is mapped, always the
same way: letters lose their accents (Polish ones too, `ł` included: `Łukasz Żółć` is
`lukasz-zolc`), the rest is lower case, and each run of other characters becomes one
`-`. A name with no letter or digit left (written in another script only) gets
`student-` and the first 12 hex digits of its SHA-256. The one who submits is told the
tag their name became.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from buildtui.i18n import _
from buildtui.l10n import count
from buildtui.registry.reference import TAG_MAX, is_tag
from buildtui.untrusted import is_safe

NAME_MAX = 200
"""Characters of a student's name at most."""
MAPPED_MAX = 100
"""Characters of a tag made from a name at most (a tag may have 128)."""
LETTERS = {
    "ł": "l",
    "Ł": "L",
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "\u0131": "i",  # dotless i
}
"""Letters that Unicode does not decompose into a Latin letter and an accent."""
_OTHER = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class StudentTag:
    name: str
    """The name as given, its spaces collapsed."""
    tag: str
    mapped: bool
    """The tag is not the name as given (the student is told)."""


def clean_name(name: str) -> str:
    """The name with its runs of white space made one space, and none at either end."""
    return " ".join(name.split())


def name_problem(name: str) -> str | None:
    """What is wrong with `name` as a student's name, or None."""
    cleaned = clean_name(name)
    if not cleaned:
        return _("the student's name is empty: give it with --student NAME")
    if len(cleaned) > NAME_MAX:
        return _("the student's name has {count} characters; at most {limit} are allowed").format(
            count=count(len(cleaned)), limit=NAME_MAX
        )
    if not is_safe(cleaned, one_line=True):
        return _("the student's name holds control characters; type it again")
    return None


def tag_for(name: str) -> StudentTag:
    """The tag of `name`'s submissions (call `name_problem` first)."""
    cleaned = clean_name(name)
    if is_tag(cleaned):
        return StudentTag(cleaned, cleaned, mapped=False)
    latin = "".join(LETTERS.get(char, char) for char in cleaned)
    decomposed = unicodedata.normalize("NFKD", latin)
    ascii_only = "".join(c for c in decomposed if c.isascii() and not unicodedata.combining(c))
    tag = _OTHER.sub("-", ascii_only.lower()).strip("-")[:MAPPED_MAX].rstrip("-")
    if not tag:
        tag = "student-" + hashlib.sha256(cleaned.encode("utf-8")).hexdigest()[:12]
    assert len(tag) <= TAG_MAX
    return StudentTag(cleaned, tag, mapped=True)


def same_student(one: str, other: str) -> bool:
    """Two spellings of one name: the same letters, whatever the case and spaces."""
    return clean_name(one).casefold() == clean_name(other).casefold()
