"""E-mail templates (Jinja2) in the recipient's language (Babel catalogues in locale/)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from plenary_shared.i18n import catalogue, language_of

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = TEMPLATES / "locale"


@dataclass(frozen=True)
class Rendered:
    """One e-mail, ready to send."""

    subject: str
    text: str
    html: str
    language: str


def render(kind: str, *, language: str, context: dict) -> Rendered:
    """The subject, plain text and HTML of an e-mail of a kind."""
    language = language_of(language)
    env = _environment(language)
    text_template = env.get_template(f"{kind}.txt")
    text_context = text_template.new_context(context)
    subject = "".join(text_template.blocks["subject"](text_context)).strip()
    text = _paragraphs("".join(text_template.blocks["body"](text_context)))
    html = env.get_template(f"{kind}.html").render(context, subject=subject)
    return Rendered(subject=" ".join(subject.split()), text=text, html=html, language=language)


def _paragraphs(text: str) -> str:
    """Lines without trailing blanks, paragraphs one blank line apart (whatever the tags left)."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


@functools.cache
def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    # added by the i18n extension, which jinja2's types do not know
    env.install_gettext_translations(  # type: ignore[attr-defined]
        catalogue(LOCALES, language), newstyle=True
    )
    env.filters["when"] = functools.partial(_when, language=language)
    return env


def _when(value: str | datetime, timezone: str = "UTC", *, language: str) -> str:
    """A time in words of the language, in a time zone, with the zone named."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    zone = ZoneInfo(timezone)
    day = format_date(moment.astimezone(zone), "long", locale=language)
    clock = format_time(moment, "HH:mm", tzinfo=zone, locale=language)
    name = (
        "UTC"
        if timezone == "UTC"
        else format_datetime(moment, "zzzz", tzinfo=zone, locale=language)
    )
    return f"{day} {clock} ({name})"
