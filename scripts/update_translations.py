"""Bring each language's .po up to date with the messages in the source.

    .venv/bin/python scripts/update_translations.py          # add new msgids, keep the rest
    .venv/bin/python scripts/update_translations.py --mo     # also compile the .mo files
    .venv/bin/python scripts/update_translations.py --check  # exit 1 and list what is missing
    .venv/bin/python scripts/update_translations.py --also OTHER.po   # after a conflict

After a merge or rebase conflict in the .po, keep one side and take the other side's
translations with `--also`:

    git show :3:src/buildtui/locale/pl/LC_MESSAGES/buildtui.po > /tmp/theirs.po
    git checkout --ours src/buildtui/locale/pl/LC_MESSAGES/buildtui.po
    .venv/bin/python scripts/update_translations.py --also /tmp/theirs.po

Every `_()`, `N_()`, `translate()` and `ngettext()` of src/buildtui is a message (see
`buildtui/i18n.py`). New messages get an empty msgstr, or a fuzzy guess from a close old
one; messages no longer in the source are dropped. The file is sorted by msgid, without
source locations, so that two branches that add messages merge cleanly (after a
conflict: take both sides, then run this again). The test
`tests/unit/foundation/test_i18n.py` fails, listing them, until every message is
translated and no entry is fuzzy.
"""

from __future__ import annotations

import argparse
import sys

from buildtui.i18n import compile_mo, po_path
from buildtui.i18n_tools import (
    check,
    extract,
    mistakes,
    other_languages,
    render_catalogue,
    updated_catalogue,
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mo", action="store_true", help="also write the compiled .mo files")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a message is missing"
    )
    parser.add_argument(
        "--also",
        metavar="PO",
        action="append",
        default=[],
        help="take the translations of this .po for messages the catalogue lacks",
    )
    args = parser.parse_args()
    wrong = mistakes()
    if wrong:
        print("messages the catalogue cannot hold:\n" + "\n".join(wrong), file=sys.stderr)
        return 1
    messages = extract()
    failed = False
    for language in other_languages():
        path = po_path(language)
        if not args.check:
            text = render_catalogue(updated_catalogue(language, messages, args.also))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if args.mo:
                path.with_suffix(".mo").write_bytes(compile_mo(text))
        problems = check(language, messages)
        if problems:
            failed = True
            print(problems.report(language), file=sys.stderr)
        else:
            print(f"{path}: {len(messages)} messages, all translated")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
