"""Bring each language's .po up to date with the messages in the source.

    .venv/bin/python scripts/update_translations.py          # add new msgids, keep the rest
    .venv/bin/python scripts/update_translations.py --mo     # also compile the .mo files

New messages get an empty msgstr (the translation test then fails until they are
translated); messages no longer in the source are dropped.
"""

from __future__ import annotations

import argparse
import json

from buildtui.lab.i18n import LANGUAGES, compile_mo, extract_messages, parse_po, po_path

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Project-Id-Version: buildtui\\n"\n'
    '"Language: {language}\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
)


def write_po(language: str, known: dict[str, str]) -> None:
    lines = [HEADER.format(language=language)]
    for message in extract_messages():
        lines.append(f"msgid {json.dumps(message, ensure_ascii=False)}")
        lines.append(f"msgstr {json.dumps(known.get(message, ''), ensure_ascii=False)}\n")
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mo", action="store_true", help="also write the compiled .mo files")
    args = parser.parse_args()
    for language in LANGUAGES:
        if language == "en":
            continue
        path = po_path(language)
        known = parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}
        write_po(language, known)
        if args.mo:
            entries = parse_po(path.read_text(encoding="utf-8"))
            path.with_suffix(".mo").write_bytes(compile_mo(entries))
        print(path)


if __name__ == "__main__":
    main()
