"""The visa support letter: an A4 PDF on the organiser's letterhead for a consular section.

It states the participant's passport number, its expiry and the date of birth, because
consulates need them; the PDF is built in memory and never stored or logged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from plenary_registration.adapters.pdf_fonts import Fonts, pdf_fonts, printable, safe

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # in English whatever the server's locale


@dataclass(frozen=True)
class VisaLetter:
    """Everything a visa support letter states."""

    reference: str
    issued_on: date
    letterhead: str  # one line per line; a literal "\n" (as set in an env file) also breaks
    signatory: str
    given_name: str
    family_name: str
    native_name: str | None
    nationality: str  # ISO 3166-1 alpha-3
    passport_number: str
    passport_expiry: date | None
    date_of_birth: date
    position: str | None
    delegation: str
    meeting_title: str
    city: str | None
    starts_on: date | None  # None when scheduling could not be asked
    ends_on: date | None
    accredited: bool = False  # else nominated


def reference_for(application_id: object) -> str:
    """The letter's reference number, e.g. VSL-1A2B3C4D (the application id's first 8 digits)."""
    return f"VSL-{str(application_id).replace('-', '')[:8].upper()}"


def long_date(day: date) -> str:
    """E.g. 17 November 2025."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def letterhead_lines(letterhead: str) -> list[str]:
    """The non-empty lines of the letterhead setting."""
    lines = letterhead.replace("\\n", "\n").splitlines()
    return [line.strip() for line in lines if line.strip()]


def meeting_period(letter: VisaLetter) -> str:
    """Where and when, as far as known: "in Moscow from 17 to 18 November 2025"."""
    where = f" in {letter.city}" if letter.city else ""
    start, end = letter.starts_on, letter.ends_on
    if start and end and start != end:
        return f"{where} from {long_date(start)} to {long_date(end)}"
    if start and end:
        return f"{where} on {long_date(start)}"
    if end:
        return f"{where}, ending on {long_date(end)}"
    return where


def _styles(fonts: Fonts) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=fonts.regular, fontSize=11, leading=15, spaceAfter=8)
    return {
        "body": base,
        "head": ParagraphStyle(
            "head",
            parent=base,
            fontName=fonts.bold,
            fontSize=13,
            leading=17,
            spaceAfter=0,
            alignment=TA_CENTER,
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, spaceAfter=0),
        "bold": ParagraphStyle("bold", parent=base, fontName=fonts.bold),
        "cell": ParagraphStyle("cell", parent=base, spaceAfter=0),
        "label": ParagraphStyle(
            "label", parent=base, spaceAfter=0, textColor=colors.HexColor("#444444")
        ),
    }


def render_visa_letter_pdf(letter: VisaLetter) -> bytes:
    """The letter as a one-page A4 PDF (longer only with unusually long texts)."""
    fonts = pdf_fonts()
    st = _styles(fonts)

    def para(text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(safe(text, fonts)), st[style])

    full_name = f"{letter.given_name} {letter.family_name.upper()}"
    native = (
        letter.native_name if letter.native_name and printable(letter.native_name, fonts) else None
    )
    status = "accredited" if letter.accredited else "nominated"
    period = meeting_period(letter)

    story: list = [para(line, "head") for line in letterhead_lines(letter.letterhead)]
    story += [
        Spacer(1, 2 * mm),
        HRFlowable(width="100%", thickness=0.8, color=colors.black),
        Spacer(1, 4 * mm),
        para(f"Date: {long_date(letter.issued_on)}", "right"),
        para(f"Ref.: {letter.reference}", "right"),
        Spacer(1, 8 * mm),
        para("To the Consular Section concerned", "bold"),
        para(f"Subject: visa support for a participant in {letter.meeting_title}", "bold"),
        Spacer(1, 2 * mm),
        para("Dear Sir or Madam,"),
        para(
            f"We have the honour to confirm that {full_name}, a member of the delegation of "
            f"{letter.delegation}, has been {status} as a participant in "
            f"{letter.meeting_title}, to be held{period}. The participant's details are as "
            "follows:"
        ),
    ]

    rows = [("Name (Latin script)", full_name)]
    if native:
        rows.append(("Name (native script)", native))
    rows += [
        ("Nationality (ISO 3166-1)", letter.nationality),
        ("Date of birth", long_date(letter.date_of_birth)),
        ("Passport number", letter.passport_number),
        (
            "Passport valid until",
            long_date(letter.passport_expiry) if letter.passport_expiry else "not stated",
        ),
    ]
    if letter.position:
        rows.append(("Position", letter.position))
    rows.append(("Delegation", letter.delegation))
    table = Table(
        [[para(label, "label"), para(value, "cell")] for label, value in rows],
        colWidths=[50 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#BBBBBB")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    if letter.starts_on and letter.ends_on:
        dates = (
            f"for the dates of the meeting, from {long_date(letter.starts_on)} "
            f"to {long_date(letter.ends_on)}"
        )
    elif letter.ends_on:
        dates = f"for the period of the meeting, which ends on {long_date(letter.ends_on)}"
    else:
        dates = "for the period of the meeting"
    story += [
        table,
        Spacer(1, 5 * mm),
        para(
            f"We kindly request that an entry visa be issued to {full_name} {dates}, so "
            "that the participant may attend."
        ),
        para(
            "We thank you for your assistance and avail ourselves of this opportunity to renew "
            "the assurances of our highest consideration."
        ),
        KeepTogether(
            [
                Spacer(1, 12 * mm),
                para("Yours faithfully,"),
                Spacer(1, 10 * mm),
                para(letter.signatory, "bold"),
                *[para(line) for line in letterhead_lines(letter.letterhead)[:1]],
            ]
        ),
    ]

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"Visa support letter {letter.reference}",
        author="Plenary",
        creator="Plenary registration",
        pageCompression=1,
    )
    doc.build(story)
    return out.getvalue()
