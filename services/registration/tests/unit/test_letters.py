"""Unit tests of the visa support letter PDF: names in both scripts, documents, the meeting."""

from __future__ import annotations

import io
import uuid
from datetime import date

from pypdf import PdfReader

from plenary_registration.adapters.letters import (
    VisaLetter,
    letterhead_lines,
    long_date,
    meeting_period,
    reference_for,
    render_visa_letter_pdf,
)


def _letter(**overrides) -> VisaLetter:
    values = {
        "reference": "VSL-1A2B3C4D",
        "issued_on": date(2025, 10, 1),
        "letterhead": "Secretariat of the Host Country\nOrganising Committee",
        "signatory": "Head of the Accreditation Service",
        "given_name": "Aigerim",
        "family_name": "Nurlanovna",
        "native_name": "Айгерим Нұрланқызы Әліқұлова",
        "nationality": "KAZ",
        "passport_number": "N12345678",
        "passport_expiry": date(2031, 5, 20),
        "date_of_birth": date(1984, 2, 29),
        "position": "Counsellor, Ministry of Foreign Affairs",
        "delegation": "Republic of Kazakhstan",
        "meeting_title": "24th Meeting of the SCO Council of Heads of Government",
        "city": "Moscow",
        "starts_on": date(2025, 11, 17),
        "ends_on": date(2025, 11, 18),
        **overrides,
    }
    return VisaLetter(**values)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_letter_states_the_participant_documents_and_meeting() -> None:
    pdf = render_visa_letter_pdf(_letter())
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = _flat(_text(pdf))
    for expected in (
        "Secretariat of the Host Country",
        "Organising Committee",
        "VSL-1A2B3C4D",
        "1 October 2025",
        "To the Consular Section concerned",
        "Aigerim NURLANOVNA",
        "Айгерим Нұрланқызы Әліқұлова",
        "KAZ",
        "N12345678",
        "20 May 2031",
        "29 February 1984",
        "Counsellor, Ministry of Foreign Affairs",
        "Republic of Kazakhstan",
        "24th Meeting of the SCO Council of Heads of Government",
        "Moscow",
        "from 17 November 2025 to 18 November 2025",
        "entry visa",
        "Head of the Accreditation Service",
    ):
        assert expected in text, expected
    assert reader.metadata.title == "Visa support letter VSL-1A2B3C4D"
    assert "N12345678" not in str(reader.metadata)


def test_cyrillic_texts_everywhere_and_a_script_the_font_lacks() -> None:
    pdf = render_visa_letter_pdf(
        _letter(
            letterhead="\n".join(["Секретариат принимающей стороны", "Оргкомитет"]),
            delegation="Республика Казахстан",
            meeting_title="Заседание Совета глав правительств ШОС",
        )
    )
    text = _flat(_text(pdf))
    for expected in (
        "Секретариат принимающей стороны",
        "Оргкомитет",
        "Республика Казахстан",
        "Заседание Совета глав правительств ШОС",
    ):
        assert expected in text, expected

    chinese = _flat(_text(render_visa_letter_pdf(_letter(native_name="王小明"))))
    assert "王" not in chinese and "Name (native script)" not in chinese
    assert "Aigerim NURLANOVNA" in chinese


def test_without_scheduling_only_the_end_date_is_shown() -> None:
    letter = _letter(city=None, starts_on=None, passport_expiry=None, position=None)
    assert meeting_period(letter) == ", ending on 18 November 2025"
    text = _flat(_text(render_visa_letter_pdf(letter)))
    assert "ends on 18 November 2025" in text
    assert "17 November" not in text and "Moscow" not in text
    assert "not stated" in text and "Position" not in text


def test_helpers() -> None:
    assert reference_for(uuid.UUID("1a2b3c4d-0000-4000-8000-000000000000")) == "VSL-1A2B3C4D"
    assert long_date(date(2025, 1, 2)) == "2 January 2025"
    assert letterhead_lines("A\\nB\n\n  C  ") == ["A", "B", "C"]
    single = _letter(starts_on=date(2025, 11, 18))
    assert meeting_period(single) == " in Moscow on 18 November 2025"


def test_very_long_texts_still_render() -> None:
    pdf = render_visa_letter_pdf(
        _letter(meeting_title="Meeting " * 60, delegation="Delegation " * 30, position="P " * 80)
    )
    assert pdf.startswith(b"%PDF")
    assert "VSL-1A2B3C4D" in _text(pdf)
