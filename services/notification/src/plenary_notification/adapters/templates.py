"""E-mail templates (Jinja2) in the recipient's language (Babel catalogues in locale/)."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = TEMPLATES / "locale"
LANGUAGES = ("en", "ru", "zh")


@dataclass(frozen=True)
class Rendered:
    """One e-mail, ready to send."""

    subject: str
    text: str
    html: str
    language: str


def language_of(wanted: str | None) -> str:
    """The language to write in: the recipient's if we have it, else English."""
    base = (wanted or "en").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else "en"


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
    env.install_gettext_translations(_translations(language), newstyle=True)
    env.filters["when"] = functools.partial(_when, language=language)
    return env


def _translations(language: str) -> Translations:
    """The language's catalogue, compiled in memory from its .po file (English needs none)."""
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return Translations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=Locale.parse(language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


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
