"""A student's name as a tag: used as it is when it is one, else mapped, always the same way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildtui.classroom.names import name_problem, same_student, tag_for
from buildtui.registry.reference import is_tag


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("Jan Kowalski", "jan-kowalski"),
        ("  Jan   Kowalski ", "jan-kowalski"),
        ("Łukasz Żółć", "lukasz-zolc"),
        ("Zażółć Gęślą Jaźń", "zazolc-gesla-jazn"),
        ("Anna-Maria O'Neil", "anna-maria-o-neil"),
        ("Jürgen Straße", "jurgen-strasse"),
        ("Søren Ærø", "soren-aero"),
        ("-leading dash", "leading-dash"),
    ],
)
def test_names_that_are_not_tags_are_mapped(name: str, tag: str) -> None:
    mapped = tag_for(name)
    assert (mapped.tag, mapped.mapped) == (tag, True)


@pytest.mark.parametrize("name", ["jkowalski", "JKowalski", "s12345", "jan.kowalski", "a_b"])
def test_a_name_that_is_a_tag_is_kept(name: str) -> None:
    assert tag_for(name).tag == name and not tag_for(name).mapped


def test_a_name_without_latin_letters_gets_a_stable_tag() -> None:
    one, again = tag_for("Иван Петров"), tag_for("Иван Петров")
    assert one.tag == again.tag and one.tag.startswith("student-") and len(one.tag) == 20
    assert tag_for("王小明").tag != one.tag


def test_a_long_name_is_cut_to_a_tag() -> None:
    tag = tag_for("Ą" * 150 + " x").tag
    assert is_tag(tag) and len(tag) <= 100 and not tag.endswith("-")


@given(st.text(min_size=1, max_size=200))
def test_every_acceptable_name_maps_to_a_valid_tag(name: str) -> None:
    if name_problem(name) is None:
        assert is_tag(tag_for(name).tag)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 201, "at most 200"),
        ("Jan\x1b]0;pwned\x07", "control characters"),
        ("Jan\u202eKowalski", "control characters"),
    ],
)
def test_unusable_names_are_refused(name: str, problem: str) -> None:
    found = name_problem(name)
    assert found is not None and problem in found


def test_two_spellings_of_one_name() -> None:
    assert same_student("Jan Kowalski", "jan  KOWALSKI")
    assert not same_student("Jan Kowalski", "Jan Kowalsky")
