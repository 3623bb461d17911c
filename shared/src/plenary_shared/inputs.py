"""Input rules every service's requests share: number bounds, clean text, plausible dates.

Each refusal is a ValueError whose message says what to change, never echoing the value; the
error handlers turn it into a 422 problem document naming the field.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
MAX_BIGINT = 2**63 - 1

EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 10
MAX_MEETING_DAYS = 60

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# letters and symbols that render as blank space
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
LINE_SEPARATORS = frozenset("\u2028\u2029")
MULTILINE_CONTROLS = frozenset("\t\n\r")


def _prepare(value: object) -> object:
    """Text in Unicode NFC without surrounding whitespace; other input is left to pydantic."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}{f' {name}' if name else ''}"


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` if it is plain visible text; otherwise a ValueError saying what to remove."""
    for char in value:
        if char in BIDI_CONTROLS:
            raise ValueError(
                f"contains an invisible text-direction control ({_describe(char)}), which can "
                "disguise what the text says; remove it"
            )
        if unicodedata.category(char) == "Cc" and not (multiline and char in MULTILINE_CONTROLS):
            if char in MULTILINE_CONTROLS:
                raise ValueError("contains a tab or line break; write it on one line")
            what = "the NUL character" if char == "\0" else "a control character"
            raise ValueError(f"contains {what} (U+{ord(char):04X}); remove it")
        if char in LINE_SEPARATORS and not multiline:
            raise ValueError(f"contains a line break ({_describe(char)}); write it on one line")
    if value and not any(_visible(char) for char in value):
        raise ValueError(
            "has no visible characters (only spaces or invisible ones such as zero-width "
            "spaces); write the text itself"
        )
    return value


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNPS" and char not in BLANK_LOOKING


def _clean_multiline(value: str) -> str:
    return clean_text(value, multiline=True)


Line = Annotated[str, BeforeValidator(_prepare), AfterValidator(clean_text)]
"""One line of plain text: NFC, trimmed, no control, bidi-control or invisible-only value."""

Text = Annotated[str, BeforeValidator(_prepare), AfterValidator(_clean_multiline)]
"""Plain text that may span lines (tabs and line breaks allowed), otherwise as `Line`."""


def latest_day(today: date | None = None) -> date:
    """The last plausible day of a meeting or session: YEARS_AHEAD years from today."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def plausible_day(value: date) -> date:
    """A meeting or session day between EARLIEST_DAY and YEARS_AHEAD years from today."""
    latest = latest_day()
    if not EARLIEST_DAY <= value <= latest:
        raise ValueError(
            f"must be between {EARLIEST_DAY.isoformat()} and {latest.isoformat()}; check the year"
        )
    return value


def plausible_moment(value: datetime) -> datetime:
    """A time whose day is plausible (see `plausible_day`)."""
    plausible_day(value.date())
    return value


def within_days(starts: date, ends: date, *, max_days: int, what: str) -> None:
    """Refuse a span of more than `max_days` days, counting both ends."""
    days = (ends - starts).days + 1
    if days > max_days:
        raise ValueError(f"{what} lasts at most {max_days} days, this one {days}; check the dates")


Day = Annotated[date, AfterValidator(plausible_day)]
"""A day of a meeting, a session or a stay: from 2000-01-01 to ten years ahead."""

Moment = Annotated[datetime, AfterValidator(plausible_moment)]
"""A time of a session, slot or journey, on a plausible day (see `Day`)."""
