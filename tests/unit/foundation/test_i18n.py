"""The translation layer: every message of the source is in the Polish catalogue and
translated, the language is chosen as users expect, plurals and numbers are Polish."""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from buildtui import i18n, l10n
from buildtui.i18n import (
    _,
    compile_mo,
    language,
    language_from_locale,
    ngettext,
    po_path,
    set_language,
    speaking,
    translator,
)
from buildtui.i18n_tools import check, extract, mistakes, shadowed_underscore
from buildtui.settings import SettingsError, load_settings


def test_every_message_of_the_source_is_translated_into_polish() -> None:
    """Fails with the list of what is missing: run scripts/update_translations.py, then
    translate each listed msgid in the .po (and remove `#, fuzzy` once checked)."""
    messages = extract()
    assert len(messages) > 200  # the extractor sees the whole source tree
    problems = check("pl", messages)
    assert not problems, "\n" + problems.report("pl")


def test_the_check_fails_on_a_new_or_fuzzy_message(tmp_path: Path) -> None:
    source = tmp_path / "new.py"
    source.write_text(
        "from buildtui.i18n import _, N_, ngettext\n"
        '_("A message nobody translated")\n'
        'TITLE = N_("A title nobody translated")\n'
        'ngettext("{count} apple", "{count} apples", 3)\n'
        'print("not a message")\n'
    )
    messages = extract([source])
    assert sorted(map(str, messages)) == [
        "('{count} apple', '{count} apples')",
        "A message nobody translated",
        "A title nobody translated",
    ]
    problems = check("pl", messages)
    assert sorted(problems.not_in_catalogue) == [
        "A message nobody translated",
        "A title nobody translated",
        "{count} apple",
    ]
    assert "A title nobody translated" in problems.report("pl")


def test_no_message_is_made_so_that_the_catalogue_cannot_hold_it() -> None:
    assert mistakes() == []
    assert shadowed_underscore() == []


def test_mistakes_are_found(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text(
        "from buildtui.i18n import _\n"
        'name = "x"\n'
        '_(f"Deleted {name}")\n'
        '_("Deleted " + name)\n'
        "for _ in range(3):\n"
        "    pass\n"
        'ngettext("{count} tag", name, 2)\n'
        'N_plural("{count} tag", name)\n'
        'FORMS = N_plural("{count} step", "{count} steps")\n'
        "ngettext(*FORMS, 2)\n"
    )
    assert [line.split(": ", 1)[1] for line in mistakes([source])] == [
        "_() of an f-string",
        "_() of a + or % expression",
        "ngettext() needs two literal forms",
        "N_plural() needs two literal forms",
    ]
    assert shadowed_underscore([source]) == [f"{source}:5"]


def test_msgfmt_accepts_the_catalogue_and_reads_it_as_the_app_does(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt (gettext) is needed to check the .po file: apt-get install gettext")
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "out.mo"), str(po_path("pl"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ours = gettext.GNUTranslations(io.BytesIO(compile_mo(po_path("pl").read_text("utf-8"))))
    with (tmp_path / "out.mo").open("rb") as mo:
        theirs = gettext.GNUTranslations(mo)
    for key in extract():
        if isinstance(key, tuple):
            for count in (1, 2, 5, 12, 22):
                assert ours.ngettext(*key, count) == theirs.ngettext(*key, count)
        else:
            assert ours.gettext(key) == theirs.gettext(key)


def test_the_catalogue_is_sorted_by_msgid_without_locations() -> None:
    """Two branches that add messages touch different lines: they merge."""
    from buildtui.i18n_tools import read_catalogue

    assert "\n#: " not in po_path("pl").read_text("utf-8")
    ids = [m.id if isinstance(m.id, str) else m.id[0] for m in read_catalogue("pl")]
    assert ids[0] == ""
    assert ids[1:] == sorted(ids[1:])


def test_polish_plurals_have_three_forms() -> None:
    message = (
        "the app needs a terminal, and {streams} is not one. {twins}",
        "the app needs a terminal, and {streams} are not one. {twins}",
    )
    with speaking("pl"):
        forms = [ngettext(*message, n).format(streams="X", twins="") for n in (1, 2, 3)]
    assert forms == [
        "aplikacja potrzebuje terminala, a X nim nie jest. ",
        "aplikacja potrzebuje terminala, a X nimi nie są. ",
        "aplikacja potrzebuje terminala, a X nimi nie są. ",
    ]
    assert ngettext(*message, 1).format(streams="X", twins="") == (
        "the app needs a terminal, and X is not one. "
    )


def test_every_plural_message_has_three_polish_forms() -> None:
    from buildtui.i18n_tools import read_catalogue

    catalogue = read_catalogue("pl")
    plurals = [m for m in catalogue if isinstance(m.id, tuple)]
    assert plurals, "the catalogue has plural messages"
    for message in plurals:
        assert len(message.string) == 3, message.id
        assert all(message.string), message.id


def test_the_language_from_settings_else_the_locale_else_english(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_settings(environ={"BUILDTUI_LANGUAGE": "PL"}, path=path).language == "pl"
    assert load_settings(environ={}, path=path).language is None
    with pytest.raises(SettingsError, match="language must be one of en, pl"):
        load_settings(environ={"BUILDTUI_LANGUAGE": "de"}, path=path)
    assert language_from_locale({"LANG": "pl_PL.UTF-8"}) == "pl"
    assert language_from_locale({"LC_MESSAGES": "pl_PL.UTF-8", "LANG": "C"}) == "pl"
    assert language_from_locale({"LC_ALL": "en_US.UTF-8", "LANG": "pl_PL.UTF-8"}) == "en"
    assert language_from_locale({"LANGUAGE": "pl:en", "LANG": "en_US.UTF-8"}) == "pl"
    assert language_from_locale({"LANGUAGE": "de:pl", "LANG": "C"}) == "pl"
    assert language_from_locale({"LANGUAGE": "de", "LANG": "pl_PL"}) == "pl"
    assert language_from_locale({"LANG": "C.UTF-8"}) == "en"
    assert language_from_locale({"LANG": "POSIX"}) == "en"
    assert language_from_locale({}) == "en"


def test_a_polish_environment_gets_polish_with_no_setting(tmp_path: Path) -> None:
    """A twin's human output in Polish from `LANG=pl_PL.UTF-8` alone."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "pl_PL.UTF-8",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    code = "from buildtui.cli import main; import sys; sys.exit(main([]))"
    runs = {
        lang: subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**env, "LANG": lang},
            stdin=subprocess.DEVNULL,
            check=False,
        )
        for lang in ("pl_PL.UTF-8", "C.UTF-8")
    }
    assert [run.returncode for run in runs.values()] == [2, 2]
    assert "aplikacja potrzebuje terminala, a stdin, stdout i stderr nimi nie są" in (
        runs["pl_PL.UTF-8"].stderr
    )
    assert "the app needs a terminal, and stdin, stdout and stderr are not one" in (
        runs["C.UTF-8"].stderr
    )


def test_speaking_changes_the_language_of_this_thread_only() -> None:
    set_language("en")
    seen: list[str] = []
    inside = threading.Event()
    done = threading.Event()

    def other() -> None:
        inside.wait(5)
        seen.append(language())
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with speaking("pl"):
        assert language() == "pl"
        assert _("Refresh") == "Odśwież"
        inside.set()
        done.wait(5)
    thread.join(5)
    assert seen == ["en"]
    assert language() == "en"
    assert _("Refresh") == "Refresh"


def test_a_translator_speaks_its_language_whatever_the_current_one() -> None:
    set_language("en")
    assert translator("pl")("Refresh") == "Odśwież"
    set_language("pl")
    assert translator("en")("Refresh") == "Refresh"
    assert _("Refresh") == "Odśwież"
    set_language("xx")
    assert language() == "en"


def test_numbers_sizes_and_dates_in_each_language() -> None:
    moment = datetime(2026, 12, 6, 12, 42, 7)
    with speaking("en"):
        assert l10n.size(2_100_000) == "2.1 MB"
        assert l10n.size(90_100) == "90.1 kB"
        assert l10n.size(999) == "999 B"
        assert l10n.number(2.5, 1) == "2.5"
        assert l10n.seconds(12.34) == "12.3 s"
        assert l10n.day_time(moment) == "2026-12-06 12:42"
        assert l10n.long_date_time(moment) == "2026-12-06 12:42"
    with speaking("pl"):
        assert l10n.size(2_100_000) == "2,1 MB"
        assert l10n.size(90_100) == "90,1 kB"
        assert l10n.size(123_456_789) == "123 MB"
        assert l10n.number(2.5, 1) == "2,5"
        assert l10n.number(1234.5, 2) == "1234,50"
        assert l10n.number(12345) == "12\N{NO-BREAK SPACE}345"
        assert l10n.seconds(12.34) == "12,3 s"
        assert l10n.day(moment) == "6.12.2026"
        assert l10n.day_time(moment) == "6.12.2026 12:42"
        assert l10n.long_date_time(moment) == "6 grudnia 2026, 12:42"


def test_english_needs_no_babel() -> None:
    """Babel is imported the first time Polish needs it, never to start in English."""
    code = (
        "import sys\n"
        "from buildtui import i18n, l10n\n"
        "i18n.set_language('en')\n"
        "l10n.size(2100000); l10n.long_date_time(0); l10n.number(12345)\n"
        "i18n._('Refresh')\n"
        "print(any(m == 'babel' or m.startswith('babel.') for m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_a_catalogue_that_cannot_be_read_is_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_catalogues", {})
    monkeypatch.setattr(i18n, "mo_path", lambda language: Path("/nonexistent/buildtui.mo"))
    with speaking("pl"):
        assert _("Refresh") == "Refresh"
