"""Translations from Babel .po catalogues, compiled in memory (English is the source language)."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("en", "ru", "zh")


def language_of(wanted: str | None) -> str:
    """The supported language closest to a wish such as `ru-RU`, else English."""
    base = (wanted or "en").split("-")[0].split("_")[0].strip().lower()
    return base if base in LANGUAGES else "en"


@functools.cache
def catalogue(locales: Path, language: str) -> Translations:
    """The language's catalogue from `locales/<language>/LC_MESSAGES/messages.po`."""
    po = locales / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return Translations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=Locale.parse(language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)
