"""Numbers, sizes, dates and times written for the current language (`buildtui.i18n`).

English keeps the forms buildtui always wrote (`2.1 MB`, `2026-12-06 12:42`), made
without Babel. Polish is written as Polish writes it, by Babel's CLDR data (imported
the first time Polish needs it, never at start in English): a decimal comma (`2,1 MB`),
groups of thousands from 10 000 on, dates with the month's name in the genitive
(`6 grudnia 2026, 12:42`), numeric dates with dots (`6.12.2026`).

`--json` never comes here with Polish: its values are data, written in English.
"""

from __future__ import annotations

from datetime import datetime

from buildtui import i18n
from buildtui.i18n import language

_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB")


decimal_mark = i18n.decimal_mark
"""`text`, a figure written in English, with the current language's decimal mark (kept
in `i18n`, which translates figures too)."""


def number(value: float, digits: int | None = None) -> str:
    """`value` with `digits` decimals (None: an integer as it is, a float as Python
    writes it); Polish groups thousands from 10 000 on with a no-break space."""
    if language() != "pl":
        if digits is None:
            return str(value)
        return f"{value:.{digits}f}"
    from babel.numbers import format_decimal

    grouped = abs(value) >= 10_000  # CLDR's minimum grouping digits for Polish: 2
    if digits is None:
        return format_decimal(value, locale="pl", group_separator=grouped)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale="pl", group_separator=grouped)


def count(value: int) -> str:
    """A whole number with its thousands grouped as English (`20,000`) or Polish (`20 000`,
    from 10 000 on) writes them."""
    return f"{value:,}" if language() != "pl" else number(value)


def size(count: float) -> str:
    """Bytes the way `docker` prints them: 1000-based, three significant digits
    (`90.1 kB`; `90,1 kB` in Polish)."""
    value = float(count)
    for unit in _SIZE_UNITS:
        if value < 1000 or unit == _SIZE_UNITS[-1]:
            if unit == "B":
                return f"{int(value)} B"
            figure = f"{value:.3g}" if value < 100 else f"{value:.0f}"
            return f"{decimal_mark(figure)} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def seconds(value: float, digits: int = 1) -> str:
    """A duration in seconds: `12.3 s` (`12,3 s`)."""
    return f"{number(value, digits)} s"


def percent(value: float, digits: int = 0) -> str:
    """`value` (0-100) as a percentage: `85%` in English, `85%` in Polish too (no space
    before % in the lab's own text)."""
    return f"{number(value, digits)}%"


def _moment(at: float | datetime) -> datetime:
    return at if isinstance(at, datetime) else datetime.fromtimestamp(at)


def clock(at: float | datetime) -> str:
    """The time of day, `12:42` (local time for a timestamp)."""
    return _moment(at).strftime("%H:%M")


def clock_seconds(at: float | datetime) -> str:
    """The time of day with seconds, `12:42:07`."""
    return _moment(at).strftime("%H:%M:%S")


def day(at: float | datetime) -> str:
    """A date in a table: `2026-12-06` in English, `6.12.2026` in Polish."""
    moment = _moment(at)
    if language() != "pl":
        return moment.strftime("%Y-%m-%d")
    return f"{moment.day}.{moment.month:02d}.{moment.year}"


def day_time(at: float | datetime) -> str:
    """A date and time in a table or a line: `2026-12-06 12:42` (`6.12.2026 12:42`)."""
    return f"{day(at)} {clock(at)}"


def day_time_seconds(at: float | datetime) -> str:
    """`2026-12-06 12:42:07` (`6.12.2026 12:42:07`)."""
    return f"{day(at)} {clock_seconds(at)}"


def long_date_time(at: float | datetime) -> str:
    """A date and time in a sentence or a heading: `2026-12-06 12:42` in English,
    `6 grudnia 2026, 12:42` in Polish (the month's name in the genitive)."""
    moment = _moment(at)
    if language() != "pl":
        return moment.strftime("%Y-%m-%d %H:%M")
    from babel.dates import format_datetime

    return format_datetime(moment, "d MMMM y, HH:mm", locale="pl")


def short_day_time(at: float | datetime) -> str:
    """Within a day's lines: `12:42` today, else `2026-12-06 12:42` (`6 gru 12:42` in
    Polish, the year only when it is not this year's)."""
    moment = _moment(at)
    now = datetime.now(moment.tzinfo)
    if moment.date() == now.date():
        return clock(moment)
    if language() != "pl":
        return moment.strftime("%Y-%m-%d %H:%M")
    from babel.dates import format_datetime

    pattern = "d MMM, HH:mm" if moment.year == now.year else "d MMM y, HH:mm"
    return format_datetime(moment, pattern, locale="pl")
