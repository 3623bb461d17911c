"""Badge rules, free of I/O: colour and zones per category, the badge number, who is admitted.

Category  colour  zones
delegate  red     plenary, restricted, press
adviser   blue    plenary, press
security  black   every zone (plenary, restricted, press, operations)
media     green   press
support   grey    plenary, operations
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from plenary_shared.errors import Conflict


class Zone(StrEnum):
    """Access zones of a venue."""

    PLENARY = "plenary"  # plenary hall and extended-format sessions
    RESTRICTED = "restricted"  # restricted-format meeting rooms
    PRESS = "press"  # press centre
    OPERATIONS = "operations"  # back of house: security control, technical and service areas


class BadgeStatus(StrEnum):
    """Whether a badge still counts."""

    ACTIVE = "active"
    VOID = "void"  # replaced by a re-issued badge, or its holder's accreditation ended


class VoidReason(StrEnum):
    """Why a badge is void."""

    REPLACED = "replaced"  # a re-issued badge took its place
    REVOKED = "revoked"  # the accreditation was revoked
    WITHDRAWN = "withdrawn"  # the application (or its whole delegation) was withdrawn


class Reason(StrEnum):
    """Why a scan was admitted or denied."""

    ADMITTED = "admitted"
    FORGED = "forged"  # not signed with the badge key, altered, or not a badge token at all
    UNKNOWN = "unknown"  # authentic, but no such badge here
    REVOKED = "revoked"  # the accreditation was revoked
    WITHDRAWN = "withdrawn"  # the application was withdrawn
    VOID = "void"  # an old badge, replaced by a re-issued one
    WRONG_ZONE = "wrong_zone"  # the badge does not open this zone
    NOT_ACCREDITED = "not_accredited"  # the application is in any other non-accredited state


COLOURS: dict[str, str] = {
    "delegate": "red",
    "adviser": "blue",
    "security": "black",
    "media": "green",
    "support": "grey",
}
ZONES: dict[str, tuple[Zone, ...]] = {
    "delegate": (Zone.PLENARY, Zone.RESTRICTED, Zone.PRESS),
    "adviser": (Zone.PLENARY, Zone.PRESS),
    "security": tuple(Zone),
    "media": (Zone.PRESS,),
    "support": (Zone.PLENARY, Zone.OPERATIONS),
}
DEFAULT_COLOUR = "grey"
DEFAULT_ZONES: tuple[Zone, ...] = (Zone.PLENARY,)
REPEAT_WINDOW_SECONDS = 60
BADGE_NUMBER = re.compile(r"^(?P<prefix>[A-Z0-9]+)-(?P<meeting>\d{4,})-(?P<seq>\d{4,})$")


def colour_for(category: str) -> str:
    """The badge colour of a category."""
    return COLOURS.get(category, DEFAULT_COLOUR)


def zones_for(category: str) -> tuple[str, ...]:
    """The zones a category's badge opens."""
    return tuple(z.value for z in ZONES.get(category, DEFAULT_ZONES))


def format_badge_number(prefix: str, meeting_code: int, sequence: int) -> str:
    """E.g. PL-0001-0042: the prefix, the meeting's code and the badge's sequence in it."""
    if not re.fullmatch(r"[A-Z0-9]+", prefix):
        raise ValueError("the badge number prefix must be upper-case letters and digits")
    if meeting_code < 1 or sequence < 1:
        raise ValueError("meeting code and sequence start at 1")
    return f"{prefix}-{meeting_code:04d}-{sequence:04d}"


def meeting_code_of(badge_number: str) -> int:
    """The meeting code inside a badge number."""
    match = BADGE_NUMBER.match(badge_number)
    if match is None:
        raise ValueError(f"not a badge number: {badge_number!r}")
    return int(match["meeting"])


def admission(
    *,
    authentic: bool,
    badge_status: str | None,
    application_state: str | None,
    badge_zones: tuple[str, ...] | list[str],
    zone: str,
) -> Reason:
    """Whether a scanned badge opens a zone, decided on the application's current state.

    The holder's standing (revoked, withdrawn) is named before the badge's own (void), so a
    revoked participant's old badge reads "revoked"; a lost badge of someone still accredited
    reads "void".
    """
    if not authentic:
        return Reason.FORGED
    if badge_status is None or application_state is None:
        return Reason.UNKNOWN
    if application_state == "revoked":
        return Reason.REVOKED
    if application_state == "withdrawn":
        return Reason.WITHDRAWN
    if badge_status != BadgeStatus.ACTIVE:
        return Reason.VOID
    if application_state != "accredited":
        return Reason.NOT_ACCREDITED
    if zone not in badge_zones:
        return Reason.WRONG_ZONE
    return Reason.ADMITTED


@dataclass(frozen=True)
class CheckinOutcome:
    """The answer to one scan."""

    checkin_id: uuid.UUID
    allowed: bool
    reason: Reason
    zone: str
    checkpoint: str
    scanned_at: datetime
    repeat: bool
    badge_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    delegation: str | None = None
    category: str | None = None
    colour: str | None = None


def ensure_reissuable(application_state: str) -> None:
    """A badge is re-issued only for an accredited participant."""
    if application_state != "accredited":
        raise Conflict(
            f"the application is {application_state}; a badge can be re-issued only for an "
            "accredited participant",
            current_state=application_state,
        )


def scan_digest(badge_id: uuid.UUID | None, code: str, zone: str, checkpoint: str) -> str:
    """What makes two scans the same scan: the badge (or, for a code that is no authentic
    token, the code), the zone and the checkpoint, as a sha256 hex digest."""
    identity = f"badge:{badge_id}" if badge_id is not None else f"code:{_sha256(code.strip())}"
    return _sha256(f"{identity}|{zone}|{checkpoint}")


def scan_lock_key(digest: str) -> int:
    """The advisory lock key that serialises concurrent twins of one scan."""
    return int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
