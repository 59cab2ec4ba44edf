"""English and Polish: every message of the Lab pane and the report has a translation."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from buildtui.lab.guide import evaluate
from buildtui.lab.i18n import (
    compile_mo,
    extract_messages,
    language_from_locale,
    parse_po,
    po_path,
    translator,
)
from buildtui.settings import SettingsError, load_settings
from tests.unit.lab.test_guide import observations

FIELD = re.compile(r"\{[^{}]*\}")


def polish() -> dict[str, str]:
    return parse_po(po_path("pl").read_text(encoding="utf-8"))


def test_every_message_has_a_polish_translation() -> None:
    messages = extract_messages()
    assert len(messages) > 80  # the extractor finds the guide's, report's and pane's texts
    catalogue = polish()
    missing = [m for m in messages if not catalogue.get(m)]
    assert missing == [], f"not translated in {po_path('pl')}: {missing}"


def test_translations_keep_every_placeholder() -> None:
    for message, translated in polish().items():
        if message:
            assert sorted(FIELD.findall(message)) == sorted(FIELD.findall(translated)), message


def test_the_extractor_sees_a_new_untranslated_message(tmp_path: Path) -> None:
    source = tmp_path / "new.py"
    source.write_text('_("A message nobody translated")\nself.t("Another")\nprint("no")\n')
    assert extract_messages([source]) == ["A message nobody translated", "Another"]
    assert "A message nobody translated" not in polish()


def test_compiled_catalogue_reads_with_gettext() -> None:
    entries = polish()
    catalogue = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
    assert catalogue.gettext("Laboratory 7") == "Laboratorium 7"
    assert catalogue.gettext("Step") == "Krok"
    assert catalogue.gettext("not in the catalogue") == "not in the catalogue"


def test_msgfmt_accepts_the_po(tmp_path: Path) -> None:
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
    ours = gettext.GNUTranslations(io.BytesIO(compile_mo(polish())))
    theirs = gettext.GNUTranslations((tmp_path / "out.mo").open("rb"))
    for message in extract_messages():
        assert ours.gettext(message) == theirs.gettext(message)


def test_the_guide_in_polish(tmp_path: Path) -> None:
    guide = evaluate(observations(tmp_path), translator("pl"))
    assert guide.items[0].title.startswith("Silnik buduje obrazy")
    assert guide.item("registry").title == "registry7 działa z włączonym usuwaniem"
    english = evaluate(observations(tmp_path), translator("en"))
    assert english.item("registry").title == "registry7 runs with deletion enabled"


def test_language_setting_from_the_environment_and_the_locale(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_settings(environ={"BUILDTUI_LANGUAGE": "PL"}, path=path).language == "pl"
    assert load_settings(environ={}, path=path).language is None
    with pytest.raises(SettingsError, match="language must be one of en, pl"):
        load_settings(environ={"BUILDTUI_LANGUAGE": "de"}, path=path)
    assert language_from_locale({"LANG": "pl_PL.UTF-8"}) == "pl"
    assert language_from_locale({"LC_ALL": "en_US.UTF-8", "LANG": "pl_PL.UTF-8"}) == "en"
    assert language_from_locale({"LANG": "C.UTF-8"}) == "en"
