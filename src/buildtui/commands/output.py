"""What the command-line twins write: human output made safe, and the one shape of `--json`.

Human output: while a twin runs (`human_output`, around every command in `cli.main`),
stdout and stderr are `VisibleControls` streams. Whatever a command prints (a registry's
error body, a platform, an annotation, a builder's name, a line of buildx's output)
reaches the terminal with every control character shown as a visible escape (`\\x1b`,
as `untrusted.visible` shows it), so nothing a registry, a build or docker says can
retitle the terminal, erase it or write the clipboard. buildtui's own colour codes go
around that text with `write_styled`, which leaves them as they are.

`--json`: an object with a `schema_version`. The version changes only when a key is
removed or changes meaning; new keys do not change it. README's "JSON output" section
documents each command's object. `json.dumps` escapes every control character
(`\\u001b`), so JSON passes through `VisibleControls` unchanged and stays valid.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, TextIO

from buildtui.untrusted import visible

SCHEMA_VERSION = 1


class VisibleControls(io.TextIOBase):
    """A text stream over `stream` that writes control characters as visible escapes
    (newlines and tabs as they are)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(visible(text))
        return len(text)

    def write_styled(self, text: str) -> None:
        """Write `text` as it is: its escape codes are buildtui's own (colours) and the
        text between them was made visible already."""
        self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.stream.errors

    @property
    def buffer(self) -> BinaryIO:
        """The bytes underneath (`inspect --raw` into a pipe)."""
        return self.stream.buffer


def write_styled(out: TextIO, text: str) -> None:
    """Write `text`, whose escape codes are buildtui's own colours around text already
    made visible (`untrusted.visible`), to `out` without showing those codes."""
    if isinstance(out, VisibleControls):
        out.write_styled(text)
    else:
        out.write(text)


@contextmanager
def human_output() -> Iterator[None]:
    """While it lasts, everything written to stdout and stderr goes through
    `VisibleControls` (the streams are restored after)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = VisibleControls(saved[0])
    sys.stderr = VisibleControls(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def json_document(body: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, **body}


def print_json(body: dict[str, Any], out: TextIO | None = None) -> None:
    # ensure_ascii (the default) is what keeps control characters out: keep it.
    print(json.dumps(json_document(body), indent=2, ensure_ascii=True), file=out)
