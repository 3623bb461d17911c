"""Badge tokens (Ed25519-signed, verifiable offline), their QR code, and the printable PDF badge.

The token printed as the QR code is a JWS compact serialisation (RFC 7515), so a scanner can
verify it offline with any JOSE library and only the public key (`GET /v1/badges/public-key`):

    header   {"alg": "EdDSA", "typ": "PLB"}       Ed25519 (RFC 8037); "PLB" = Plenary badge
    payload  {"bid": badge id, "no": badge number, "aid": application id, "mid": meeting id,
              "z": [zones], "iat": issued at, Unix seconds}

It holds no name and no personal document data. It does not expire: whether a badge still
admits its holder (re-issued, revoked, withdrawn) is decided online at the checkpoint. The
signature is deterministic, so the token of a badge is recomputed from its row on every read
and never stored.
"""

from __future__ import annotations

import io
import textwrap
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.utils import base64url_decode, base64url_encode
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from plenary_registration.adapters.pdf_fonts import Fonts, fit, pdf_fonts, printable, safe

ALGORITHM = "EdDSA"
TOKEN_TYPE = "PLB"  # noqa: S105 - a JOSE "typ", not a secret
CLAIMS = ("bid", "no", "aid", "mid", "z", "iat")


class InvalidBadgeToken(Exception):
    """The code is not a badge token signed with the badge key: forged, altered or malformed."""


@dataclass(frozen=True)
class BadgeClaims:
    """What a badge token says."""

    badge_id: uuid.UUID
    badge_number: str
    application_id: uuid.UUID
    meeting_id: uuid.UUID
    zones: tuple[str, ...]
    issued_at: datetime

    def payload(self) -> dict:
        """The compact JWT payload."""
        return {
            "bid": str(self.badge_id),
            "no": self.badge_number,
            "aid": str(self.application_id),
            "mid": str(self.meeting_id),
            "z": list(self.zones),
            "iat": int(self.issued_at.timestamp()),
        }

    @classmethod
    def from_payload(cls, payload: dict) -> BadgeClaims:
        """Claims from a verified payload; raises InvalidBadgeToken on wrong types."""
        try:
            zones = payload["z"]
            if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
                raise ValueError("zones must be a list of strings")
            if not isinstance(payload["no"], str) or not isinstance(payload["iat"], int):
                raise ValueError("badge number must be a string, iat an integer")
            return cls(
                badge_id=uuid.UUID(payload["bid"]),
                badge_number=payload["no"],
                application_id=uuid.UUID(payload["aid"]),
                meeting_id=uuid.UUID(payload["mid"]),
                zones=tuple(zones),
                issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise InvalidBadgeToken(f"the badge token's claims are malformed: {exc}") from exc


class BadgeVerifier:
    """Verifies badge tokens with the public key only, as an offline scanner does."""

    def __init__(self, public_key: Ed25519PublicKey | str) -> None:
        if isinstance(public_key, str):
            loaded = serialization.load_pem_public_key(public_key.encode())
            if not isinstance(loaded, Ed25519PublicKey):
                raise ValueError("the badge public key must be an Ed25519 key")
            public_key = loaded
        self._key = public_key

    def verify(self, token: str) -> BadgeClaims:
        """The claims of an authentic token; raises InvalidBadgeToken otherwise.

        Every segment must be canonical base64url, so that no character of a token can be
        changed without detection (not even the spare bits of a segment's last character).
        """
        token = token.strip()
        segments = token.split(".")
        if len(segments) != 3 or len(token) > 2000:
            raise InvalidBadgeToken("not a badge token")
        try:
            for segment in segments:
                if base64url_encode(base64url_decode(segment)).decode() != segment:
                    raise InvalidBadgeToken("a badge token segment is not canonical base64url")
            decoded = jwt.api_jwt.decode_complete(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": list(CLAIMS), "verify_iat": False, "verify_aud": False},
            )
        except InvalidBadgeToken:
            raise
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise InvalidBadgeToken(f"the badge token is not authentic: {exc}") from exc
        if decoded["header"].get("typ") != TOKEN_TYPE:
            raise InvalidBadgeToken("not a badge token (wrong typ)")
        return BadgeClaims.from_payload(decoded["payload"])


class BadgeSigner:
    """Signs badge tokens with the registration service's Ed25519 badge key."""

    def __init__(self, private_key_pem: str) -> None:
        if not private_key_pem:
            raise ValueError("REGISTRATION_BADGE_KEY (or _FILE) must be set to an Ed25519 PEM key")
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the badge key must be an Ed25519 private key")
        self._key = key

    def sign(self, claims: BadgeClaims) -> str:
        """The token of a badge (the same claims always give the same token)."""
        return jwt.encode(
            claims.payload(), self._key, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE}
        )

    @property
    def public_key_pem(self) -> str:
        """The public key scanners verify with, as PEM (SubjectPublicKeyInfo)."""
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def verifier(self) -> BadgeVerifier:
        """A verifier with the matching public key."""
        return BadgeVerifier(self._key.public_key())


# --- QR code ---------------------------------------------------------------------------------


def qr(token: str) -> segno.QRCode:
    """The QR code of a token (error correction M or better)."""
    return segno.make_qr(token, error="m")


def qr_svg(token: str, *, scale: int = 4) -> bytes:
    """The QR code as SVG."""
    out = io.BytesIO()
    qr(token).save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue()


def qr_png(token: str, *, scale: int = 4) -> bytes:
    """The QR code as PNG."""
    out = io.BytesIO()
    qr(token).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


# --- printable badge -------------------------------------------------------------------------

COLOUR_HEX = {
    "red": "#C62828",
    "blue": "#1565C0",
    "black": "#111111",
    "green": "#2E7D32",
    "grey": "#616161",
}


@dataclass(frozen=True)
class BadgeCard:
    """What is printed on a badge: no document data, no nationality, no date of birth."""

    meeting_title: str
    meeting_line: str | None
    given_name: str
    family_name: str
    native_name: str | None
    delegation: str
    category: str
    colour: str
    badge_number: str
    zones: tuple[str, ...]
    token: str


def render_badge_pdf(card: BadgeCard) -> bytes:
    """An A6 portrait badge: colour band, meeting, names, delegation, QR, number and zones."""
    fonts = pdf_fonts()
    width, height = A6
    margin = 5 * mm
    inner = width - 2 * margin
    band = HexColor(COLOUR_HEX.get(card.colour, "#616161"))
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A6, pageCompression=1)
    pdf.setTitle(f"Badge {card.badge_number}")
    pdf.setAuthor("Plenary")
    pdf.setCreator("Plenary registration")

    # category colour band
    pdf.setFillColor(band)
    pdf.rect(0, height - 14 * mm, width, 14 * mm, stroke=0, fill=1)
    pdf.setFillColor(white)
    pdf.setFont(fonts.bold, 16)
    pdf.drawCentredString(width / 2, height - 9.5 * mm, card.category.upper())

    # meeting
    pdf.setFillColorRGB(0.1, 0.1, 0.1)
    y = height - 19 * mm
    for line in textwrap.wrap(safe(card.meeting_title, fonts), 48)[:2]:
        text, size = fit(line, fonts.bold, 9, inner)
        pdf.setFont(fonts.bold, size)
        pdf.drawCentredString(width / 2, y, text)
        y -= 4 * mm
    if card.meeting_line:
        text, size = fit(safe(card.meeting_line, fonts), fonts.regular, 8, inner)
        pdf.setFont(fonts.regular, size)
        pdf.drawCentredString(width / 2, y, text)

    # names
    text, size = fit(safe(card.given_name, fonts), fonts.regular, 16, inner)
    pdf.setFont(fonts.regular, size)
    pdf.drawCentredString(width / 2, height - 38 * mm, text)
    text, size = fit(safe(card.family_name.upper(), fonts), fonts.bold, 19, inner)
    pdf.setFont(fonts.bold, size)
    pdf.drawCentredString(width / 2, height - 45.5 * mm, text)
    if card.native_name and printable(card.native_name, fonts):
        text, size = fit(card.native_name, fonts.regular, 12, inner)
        pdf.setFont(fonts.regular, size)
        pdf.drawCentredString(width / 2, height - 51.5 * mm, text)

    # delegation
    text, size = fit(safe(card.delegation, fonts), fonts.bold, 11, inner)
    pdf.setFont(fonts.bold, size)
    pdf.drawCentredString(width / 2, height - 58 * mm, text)

    # QR code, with its quiet zone inside the box
    _draw_qr(pdf, card.token, x=(width - 48 * mm) / 2, y=height - 108 * mm, size=48 * mm)

    # badge number
    pdf.setFont(fonts.bold, 14)
    pdf.drawCentredString(width / 2, height - 114 * mm, card.badge_number)

    # zones
    _draw_zones(pdf, card.zones, fonts, band, y=height - 126 * mm, width=width)

    # bottom band
    pdf.setFillColor(band)
    pdf.rect(0, 0, width, 8 * mm, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw_qr(pdf: Canvas, token: str, *, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector rectangles, one per run of dark modules."""
    code = qr(token)
    modules = len(code.matrix)
    unit = size / (modules + 8)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(code.matrix):
        top = y + size - (row_index + 4 + 1) * unit
        col = 0
        while col < modules:
            if row[col]:
                start = col
                while col < modules and row[col]:
                    col += 1
                pdf.rect(x + (start + 4) * unit, top, (col - start) * unit, unit, stroke=0, fill=1)
            else:
                col += 1


def _draw_zones(
    pdf: Canvas, zones: tuple[str, ...], fonts: Fonts, colour, *, y: float, width: float
) -> None:
    """The zones as a row of outlined labels."""
    labels = [z.upper() for z in zones] or ["NO ZONES"]
    size, pad, gap = 8.5, 2 * mm, 2 * mm
    widths = [pdfmetrics.stringWidth(label, fonts.bold, size) + 2 * pad for label in labels]
    while sum(widths) + gap * (len(widths) - 1) > width - 8 * mm and size > 5:
        size -= 0.5
        widths = [pdfmetrics.stringWidth(label, fonts.bold, size) + 2 * pad for label in labels]
    x = (width - sum(widths) - gap * (len(widths) - 1)) / 2
    pdf.setStrokeColor(colour)
    pdf.setLineWidth(1)
    for label, w in zip(labels, widths, strict=True):
        pdf.roundRect(x, y, w, 7 * mm, 1.5 * mm, stroke=1, fill=0)
        pdf.setFillColorRGB(0.1, 0.1, 0.1)
        pdf.setFont(fonts.bold, size)
        pdf.drawCentredString(x + w / 2, y + 2.3 * mm, label)
        x += w + gap


def claims_of(badge) -> BadgeClaims:
    """What a badge's token says (recomputed from its row; the token is never stored)."""
    return BadgeClaims(
        badge_id=badge.id,
        badge_number=badge.badge_number,
        application_id=badge.application_id,
        meeting_id=badge.meeting_id,
        zones=tuple(badge.zones),
        issued_at=badge.issued_at,
    )
