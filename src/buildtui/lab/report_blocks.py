"""The report's building block, shared by the report (`report.py`), its space section
(`report_space.py`) and its rendering (`report_render.py`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    kind: str
    """heading, text, bullets, code, log, table, checks, svg (a picture: its SVG, then
    its text version) or bars (`report_space`)."""
    lines: tuple[str, ...] = ()
    level: int = 2
    rows: tuple[tuple[str, ...], ...] = ()
    """A table's rows, the first being its header; checks: (mark, text)."""
