"""The font of every PDF the registration service prints (badges, visa support letters).

Source Sans Pro from the font-source-sans-pro wheel covers Latin, Greek and Cyrillic (Kazakh
letters included). reportlab's built-in Helvetica has no Cyrillic; without the wheel the PDFs
fall back to it and leave out or replace what it cannot show.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import structlog
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Fonts:
    """The registered regular and bold font names and what they can show."""

    regular: str
    bold: str
    covers: frozenset[int] | None  # code points the font has; None = Latin-1 built-in font


@functools.cache
def pdf_fonts() -> Fonts:
    """Source Sans Pro, registered once with reportlab; Helvetica if the wheel is missing."""
    try:
        import font_source_sans_pro as ssp

        regular = TTFont("PlenarySans", ssp.font_files_ttf["SourceSansPro"])
        bold = TTFont("PlenarySans-Bold", ssp.font_files_ttf["SourceSansProBold"])
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(
            "PlenarySans",
            normal="PlenarySans",
            bold="PlenarySans-Bold",
            italic="PlenarySans",
            boldItalic="PlenarySans-Bold",
        )
        covers = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
        return Fonts("PlenarySans", "PlenarySans-Bold", covers)
    except Exception as exc:  # the wheel is missing or a file is unreadable
        log.warning("PDF font unavailable; using Helvetica (no Cyrillic)", error=str(exc))
        return Fonts("Helvetica", "Helvetica-Bold", None)


def printable(text: str, fonts: Fonts | None = None) -> bool:
    """Whether the font has every character of a text."""
    fonts = fonts or pdf_fonts()
    if fonts.covers is None:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True
    return all(ord(c) in fonts.covers or c.isspace() for c in text)


def fit(text: str, font: str, size: float, width: float, minimum: float = 7) -> tuple[str, float]:
    """Shrink the font size until the text fits the width; shorten it as a last resort."""
    while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    while len(text) > 1 and pdfmetrics.stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text, size


def safe(text: str, fonts: Fonts | None = None) -> str:
    """Characters the font lacks become '?', so the PDF never shows empty boxes silently."""
    fonts = fonts or pdf_fonts()
    if printable(text, fonts):
        return text
    if fonts.covers is None:
        return text.encode("cp1252", "replace").decode("cp1252")
    return "".join(c if ord(c) in fonts.covers or c.isspace() else "?" for c in text)
