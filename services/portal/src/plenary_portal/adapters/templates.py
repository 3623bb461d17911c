"""Pages (Jinja2) in the reader's language, with dates and times written the way it writes them."""

from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from plenary_shared.i18n import catalogue

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = TEMPLATES / "locale"


@functools.cache
def environment(language: str) -> Environment:
    """One Jinja2 environment per language, its gettext bound to the language's catalogue."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # added by the i18n extension, which jinja2's types do not know
    env.install_gettext_translations(  # type: ignore[attr-defined]
        catalogue(LOCALES, language), newstyle=True
    )
    env.filters["when"] = functools.partial(when, language=language)
    env.filters["clock"] = functools.partial(clock, language=language)
    env.filters["day"] = functools.partial(day, language=language)
    env.filters["zone_name"] = functools.partial(zone_name, language=language)
    return env


def _moment(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def when(value: str | datetime | None, timezone: str | None = None, *, language: str) -> str:
    """Date and time in the language, in `timezone` (else as given), e.g. 18 Nov 2025, 10:00."""
    if value is None:
        return ""
    moment = _moment(value)
    local = moment.astimezone(ZoneInfo(timezone)) if timezone else moment
    written = format_date(local, "medium", locale=language)
    return f"{written} {format_time(local, 'HH:mm', tzinfo=local.tzinfo, locale=language)}"


def clock(value: str | datetime, timezone: str | None = None, *, language: str) -> str:
    """The time of day, 24-hour, in `timezone` (else as given)."""
    moment = _moment(value)
    zone = ZoneInfo(timezone) if timezone else moment.tzinfo
    return format_time(moment, "HH:mm", tzinfo=zone, locale=language)


def day(value: str | date, *, language: str) -> str:
    """A calendar day in full words of the language."""
    when_ = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(when_, "full", locale=language)


def zone_name(timezone: str, *, language: str) -> str:
    """A time zone's name in the language, e.g. Moscow Standard Time."""
    return format_datetime(datetime.now(ZoneInfo(timezone)), "zzzz", locale=language)
