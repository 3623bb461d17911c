"""Unit tests of badge tokens (sign, verify, tamper, forge), the category rules, numbers and the PDF."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import jwt
import pytest
from pypdf import PdfReader

from plenary_registration.adapters.badges import (
    BadgeCard,
    BadgeClaims,
    BadgeSigner,
    BadgeVerifier,
    InvalidBadgeToken,
    qr_png,
    qr_svg,
    render_badge_pdf,
)
from plenary_registration.adapters.pdf_fonts import pdf_fonts, printable
from plenary_registration.domain.badges import (
    COLOURS,
    BadgeStatus,
    Reason,
    Zone,
    admission,
    colour_for,
    format_badge_number,
    meeting_code_of,
    zones_for,
)
from plenary_shared.auth import generate_key_pair
from plenary_shared.vocabulary import Category

PRIVATE, PUBLIC = generate_key_pair()
OTHER_PRIVATE, _ = generate_key_pair()


def claims(**overrides) -> BadgeClaims:
    values = {
        "badge_id": uuid.uuid4(),
        "badge_number": "PL-0001-0042",
        "application_id": uuid.uuid4(),
        "meeting_id": uuid.uuid4(),
        "zones": ("plenary", "restricted", "press"),
        "issued_at": datetime(2025, 11, 17, 8, 30, tzinfo=UTC),
        **overrides,
    }
    return BadgeClaims(**values)


# --- token -----------------------------------------------------------------------------------


def test_a_signed_token_verifies_offline_with_the_public_key_only() -> None:
    original = claims()
    token = BadgeSigner(PRIVATE).sign(original)
    assert BadgeVerifier(PUBLIC).verify(token) == original


def test_the_token_is_deterministic_and_compact() -> None:
    signer, original = BadgeSigner(PRIVATE), claims()
    assert signer.sign(original) == signer.sign(original)
    assert len(signer.sign(original)) < 450


def test_the_signers_public_key_is_the_pair_of_its_private_key() -> None:
    assert BadgeSigner(PRIVATE).public_key_pem == PUBLIC


def test_the_token_carries_no_name_and_no_document_data() -> None:
    payload = jwt.decode(BadgeSigner(PRIVATE).sign(claims()), options={"verify_signature": False})
    assert set(payload) == {"bid", "no", "aid", "mid", "z", "iat"}


def test_a_token_signed_with_another_key_is_forged() -> None:
    forged = BadgeSigner(OTHER_PRIVATE).sign(claims())
    with pytest.raises(InvalidBadgeToken):
        BadgeVerifier(PUBLIC).verify(forged)


def test_changing_any_single_character_is_detected() -> None:
    token = BadgeSigner(PRIVATE).sign(claims())
    verifier = BadgeVerifier(PUBLIC)
    for i, char in enumerate(token):
        for replacement in {"A", "B", "_", "x"} - {char}:
            altered = token[:i] + replacement + token[i + 1 :]
            with pytest.raises(InvalidBadgeToken):
                verifier.verify(altered)


def test_altered_claims_resigned_with_another_key_are_forged() -> None:
    token = BadgeSigner(PRIVATE).sign(claims(zones=("press",)))
    payload = jwt.decode(token, options={"verify_signature": False})
    payload["z"] = [z.value for z in Zone]
    other = BadgeSigner(OTHER_PRIVATE)._key
    tampered = jwt.encode(payload, other, algorithm="EdDSA", headers={"typ": "PLB"})
    with pytest.raises(InvalidBadgeToken):
        BadgeVerifier(PUBLIC).verify(tampered)


@pytest.mark.parametrize(
    "code",
    ["", "not a token", "a.b.c", "PL-0001-0042", "x" * 3000, "eyJhbGciOiJub25lIn0.e30."],
)
def test_garbage_is_refused(code: str) -> None:
    with pytest.raises(InvalidBadgeToken):
        BadgeVerifier(PUBLIC).verify(code)


def test_an_unsigned_alg_none_token_is_refused() -> None:
    unsigned = jwt.encode(claims().payload(), None, algorithm="none", headers={"typ": "PLB"})
    with pytest.raises(InvalidBadgeToken):
        BadgeVerifier(PUBLIC).verify(unsigned)


def test_a_platform_login_token_is_not_a_badge() -> None:
    login = jwt.encode(
        {**claims().payload(), "sub": "x", "role": "organiser"},
        BadgeSigner(PRIVATE)._key,
        algorithm="EdDSA",
    )
    with pytest.raises(InvalidBadgeToken, match="typ"):
        BadgeVerifier(PUBLIC).verify(login)


def test_a_signer_needs_an_ed25519_key() -> None:
    with pytest.raises(ValueError, match="BADGE_KEY"):
        BadgeSigner("")


# --- rules -----------------------------------------------------------------------------------


def test_every_category_has_a_colour_and_zones() -> None:
    for category in Category:
        assert category.value in COLOURS
        assert zones_for(category.value)
        assert set(zones_for(category.value)) <= {z.value for z in Zone}


@pytest.mark.parametrize(
    ("category", "colour", "zones"),
    [
        ("delegate", "red", ("plenary", "restricted", "press")),
        ("adviser", "blue", ("plenary", "press")),
        ("security", "black", ("plenary", "restricted", "press", "operations")),
        ("media", "green", ("press",)),
        ("support", "grey", ("plenary", "operations")),
    ],
)
def test_colour_and_zones_per_category(category: str, colour: str, zones: tuple) -> None:
    assert colour_for(category) == colour
    assert zones_for(category) == zones


def test_an_unknown_category_gets_the_narrowest_badge() -> None:
    assert colour_for("guest") == "grey"
    assert zones_for("guest") == ("plenary",)


def test_badge_number_format() -> None:
    assert format_badge_number("PL", 1, 42) == "PL-0001-0042"
    assert format_badge_number("SCO25", 12, 100_000) == "SCO25-0012-100000"
    assert meeting_code_of("PL-0003-0042") == 3
    assert meeting_code_of(format_badge_number("PL", 7, 12_345)) == 7


@pytest.mark.parametrize(("prefix", "code", "seq"), [("pl", 1, 1), ("P-L", 1, 1), ("PL", 0, 1)])
def test_badge_number_refuses_bad_parts(prefix: str, code: int, seq: int) -> None:
    with pytest.raises(ValueError):
        format_badge_number(prefix, code, seq)


ZONES = ("plenary", "press")


@pytest.mark.parametrize(
    ("authentic", "status", "state", "zone", "reason"),
    [
        (True, "active", "accredited", "plenary", Reason.ADMITTED),
        (False, None, None, "plenary", Reason.FORGED),
        (True, None, None, "plenary", Reason.UNKNOWN),
        (True, "active", "revoked", "plenary", Reason.REVOKED),
        (True, "void", "revoked", "plenary", Reason.REVOKED),
        (True, "active", "withdrawn", "plenary", Reason.WITHDRAWN),
        (True, "void", "accredited", "plenary", Reason.VOID),
        (True, "active", "nominated", "plenary", Reason.NOT_ACCREDITED),
        (True, "active", "accredited", "restricted", Reason.WRONG_ZONE),
    ],
)
def test_admission(authentic, status, state, zone, reason) -> None:
    decided = admission(
        authentic=authentic,
        badge_status=status,
        application_state=state,
        badge_zones=ZONES,
        zone=zone,
    )
    assert decided is reason


def test_badge_statuses() -> None:
    assert {s.value for s in BadgeStatus} == {"active", "void"}


# --- QR and PDF ------------------------------------------------------------------------------


def test_qr_code_as_svg_and_png() -> None:
    token = BadgeSigner(PRIVATE).sign(claims())
    assert b"<svg" in qr_svg(token)
    assert qr_png(token).startswith(b"\x89PNG")


def test_the_badge_font_has_cyrillic_and_kazakh_letters() -> None:
    fonts = pdf_fonts()
    assert fonts.covers is not None, "font-source-sans-pro is not installed"
    assert printable("Айгерим Нұрланқызы Әліқұлова", fonts)
    assert not printable("中文", fonts)


def _card(**overrides) -> BadgeCard:
    values = {
        "meeting_title": "24th Meeting of the SCO Council of Heads of Government",
        "meeting_line": "Moscow · 2025-11-17 to 2025-11-18",
        "given_name": "Aigerim",
        "family_name": "Nurlanovna",
        "native_name": "Айгерим Нұрланқызы",
        "delegation": "Republic of Kazakhstan",
        "category": "delegate",
        "colour": "red",
        "badge_number": "PL-0001-0042",
        "zones": ("plenary", "restricted", "press"),
        "token": BadgeSigner(PRIVATE).sign(claims()),
        **overrides,
    }
    return BadgeCard(**values)


def test_the_pdf_badge_is_one_a6_page_with_both_scripts() -> None:
    pdf = render_badge_pdf(_card())
    assert pdf.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert (round(width_mm), round(height_mm)) == (105, 148)
    text = page.extract_text()
    for expected in (
        "Aigerim",
        "NURLANOVNA",
        "Айгерим Нұрланқызы",
        "Republic of Kazakhstan",
        "PL-0001-0042",
        "RESTRICTED",
        "DELEGATE",
    ):
        assert expected in text, expected


def test_a_native_name_the_font_cannot_show_is_left_out() -> None:
    pdf = render_badge_pdf(_card(native_name="王小明", family_name="Wang"))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "WANG" in text and "王" not in text


def test_very_long_names_still_render() -> None:
    pdf = render_badge_pdf(
        _card(given_name="Maximilian " * 8, delegation="Delegation " * 20, meeting_title="M " * 90)
    )
    assert pdf.startswith(b"%PDF")
