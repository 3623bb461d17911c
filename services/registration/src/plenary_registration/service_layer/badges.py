"""Badges and check-ins: issue on accreditation, re-issue, and admission at checkpoints.

The pure rules (colour and zones per category, the badge number, who is admitted) come first,
free of I/O; the handlers that read and write the schema follow.

Category  colour  zones
delegate  red     plenary, restricted, press
adviser   blue    plenary, press
security  black   every zone (plenary, restricted, press, operations)
media     green   press
support   grey    plenary, operations
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import structlog
from sqlalchemy import Row, case, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_registration.adapters.badges import BadgeClaims, BadgeVerifier, InvalidBadgeToken
from plenary_registration.adapters.tables import (
    applications,
    badges,
    checkins,
    delegations,
    meetings,
)
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.registration import (
    AccreditationGranted,
    BadgeIssued,
    BadgeVoided,
    ParticipantCheckedIn,
)

log = structlog.get_logger(__name__)


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

# pg_advisory_xact_lock(class, key) classes: badge numbers of one meeting; meeting codes
_LOCK_MEETING_NUMBERS = 0x42414447  # "BADG"
_LOCK_MEETING_CODES = 0x42414443  # "BADC"


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


def claims_of(badge: Row) -> BadgeClaims:
    """What a badge's token says (recomputed from the row; the token is never stored)."""
    return BadgeClaims(
        badge_id=badge.id,
        badge_number=badge.badge_number,
        application_id=badge.application_id,
        meeting_id=badge.meeting_id,
        zones=tuple(badge.zones),
        issued_at=badge.issued_at,
    )


# --- issuing ---------------------------------------------------------------------------------


@functools.cache
def _configured_prefix() -> str:
    from plenary_registration.config import Settings

    return Settings().badge_number_prefix


async def on_accreditation_granted(uow: UnitOfWork, event: CloudEvent) -> None:
    """Issue the badge of a newly accredited participant (never a second active one)."""
    granted = AccreditationGranted.model_validate(event.data)
    row = await application_row(uow.conn, granted.application_id, for_update=True)
    if row is None:
        log.warning("no application for a granted accreditation", event_id=event.id)
        return
    if row.state != "accredited":
        log.info("no badge: the application left accredited", application_id=str(row.id))
        return
    if await active_badge(uow.conn, row.id) is not None:
        return
    await _issue(uow, row, prefix=_configured_prefix(), replaces=None)


async def reissue_badge(uow: UnitOfWork, *, application_id: uuid.UUID, prefix: str) -> Row:
    """A lost badge: void the active one and issue a new number and token."""
    row = await application_row(uow.conn, application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {application_id} does not exist")
    if row.state != "accredited":
        raise Conflict(
            f"the application is {row.state}; a badge can be re-issued only for an "
            "accredited participant",
            current_state=row.state,
        )
    old = await active_badge(uow.conn, application_id)
    if old is not None:
        await uow.conn.execute(
            update(badges)
            .where(badges.c.id == old.id)
            .values(
                status=BadgeStatus.VOID.value,
                voided_at=datetime.now(UTC),
                void_reason=VoidReason.REPLACED.value,
            )
        )
    badge = await _issue(uow, row, prefix=prefix, replaces=old.id if old else None)
    await uow.commit()
    return badge


async def void_badges(uow: UnitOfWork, *, application_id: uuid.UUID, reason: VoidReason) -> int:
    """Void an application's active badges with the holder's accreditation, and say so; how many.

    Runs in the transaction that revokes or withdraws, so the badge never outlives it; a second
    call finds nothing active and does nothing.
    """
    voided = (
        await uow.conn.execute(
            update(badges)
            .where(
                badges.c.application_id == application_id,
                badges.c.status == BadgeStatus.ACTIVE.value,
            )
            .values(status=BadgeStatus.VOID.value, voided_at=func.now(), void_reason=reason.value)
            .returning(badges)
        )
    ).all()
    for badge in voided:
        await uow.emit(
            BadgeVoided(
                badge_id=badge.id,
                application_id=badge.application_id,
                meeting_id=badge.meeting_id,
                delegation_id=badge.delegation_id,
                badge_number=badge.badge_number,
                reason=reason.value,
                voided_at=badge.voided_at,
            ),
            subject=str(badge.application_id),
        )
    return len(voided)


async def _issue(uow: UnitOfWork, row: Row, *, prefix: str, replaces: uuid.UUID | None) -> Row:
    number = await _next_badge_number(uow.conn, row.meeting_id, prefix)
    badge_id = uuid.uuid4()
    zones = list(zones_for(row.category))
    await uow.conn.execute(
        badges.insert().values(
            id=badge_id,
            application_id=row.id,
            meeting_id=row.meeting_id,
            delegation_id=row.delegation_id,
            badge_number=number,
            category=row.category,
            colour=colour_for(row.category),
            zones=zones,
            status=BadgeStatus.ACTIVE.value,
            replaces=replaces,
            # whole seconds: the token carries issued-at in Unix seconds
            issued_at=datetime.now(UTC).replace(microsecond=0),
        )
    )
    await uow.emit(
        BadgeIssued(
            badge_id=badge_id,
            application_id=row.id,
            meeting_id=row.meeting_id,
            delegation_id=row.delegation_id,
            badge_number=number,
            category=row.category,
            zones=zones,
            replaces=replaces,
        ),
        subject=str(row.id),
    )
    badge = (await uow.conn.execute(select(badges).where(badges.c.id == badge_id))).one()
    return badge


async def _next_badge_number(conn: AsyncConnection, meeting_id: uuid.UUID, prefix: str) -> str:
    """The next number of a meeting, unique under concurrency.

    A transaction-scoped advisory lock per meeting serialises the count of its badges (badges
    are never deleted, voided ones keep their number), and a global one the first badge of a
    new meeting, which takes the next meeting code. Locks are always taken in that order, so
    they cannot deadlock; the unique constraint on badge_number stays as the last guard.
    """
    await conn.execute(
        select(func.pg_advisory_xact_lock(_LOCK_MEETING_NUMBERS, func.hashtext(str(meeting_id))))
    )
    known = await conn.scalar(
        select(badges.c.badge_number).where(badges.c.meeting_id == meeting_id).limit(1)
    )
    if known is not None:
        meeting_code = meeting_code_of(known)
    else:
        await conn.execute(select(func.pg_advisory_xact_lock(_LOCK_MEETING_CODES, 0)))
        meetings_with_badges = await conn.scalar(
            select(func.count(func.distinct(badges.c.meeting_id)))
        )
        meeting_code = (meetings_with_badges or 0) + 1
    issued = await conn.scalar(
        select(func.count()).select_from(badges).where(badges.c.meeting_id == meeting_id)
    )
    return format_badge_number(prefix, meeting_code, (issued or 0) + 1)


# --- reading ---------------------------------------------------------------------------------


async def application_row(
    conn: AsyncConnection, application_id: uuid.UUID, *, for_update: bool = False
) -> Row | None:
    query = select(applications).where(applications.c.id == application_id)
    if for_update:
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def active_badge(conn: AsyncConnection, application_id: uuid.UUID) -> Row | None:
    """The badge that currently admits an application's holder, if any."""
    query = select(badges).where(
        badges.c.application_id == application_id, badges.c.status == BadgeStatus.ACTIVE.value
    )
    return (await conn.execute(query.order_by(badges.c.issued_at.desc()).limit(1))).first()


async def latest_badge(conn: AsyncConnection, application_id: uuid.UUID) -> Row | None:
    """The active badge of an application, else its most recent one (never one replaced)."""
    active_first = case((badges.c.status == BadgeStatus.ACTIVE.value, 0), else_=1)
    # issued_at is whole seconds: a badge re-issued in the second of its predecessor ties with it
    replaced_last = case((badges.c.void_reason == VoidReason.REPLACED.value, 1), else_=0)
    query = (
        select(badges)
        .where(badges.c.application_id == application_id)
        .order_by(active_first, replaced_last, badges.c.issued_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def delegation_name(conn: AsyncConnection, delegation_id: uuid.UUID) -> str | None:
    """A delegation's name from the projection."""
    return await conn.scalar(select(delegations.c.name).where(delegations.c.id == delegation_id))


async def meeting_title(conn: AsyncConnection, meeting_id: uuid.UUID) -> str | None:
    """A meeting's title from the meetings projection, if it knows the meeting."""
    return await conn.scalar(select(meetings.c.title).where(meetings.c.id == meeting_id))


# --- check-in --------------------------------------------------------------------------------


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


async def check_in(
    uow: UnitOfWork, *, code: str, zone: str, checkpoint: str, verifier: BadgeVerifier
) -> CheckinOutcome:
    """Decide a scan on the current state, record it, and publish an admission.

    A repeated scan is one that names the same badge (or, for a code that is no authentic
    token, the same code) at the same zone and checkpoint within 60 seconds of the last
    recorded one. It gets the recorded answer back and is neither recorded nor published
    again, provided the answer would still be the same; if the state changed meanwhile (the
    accreditation was revoked, say), the new answer is recorded, and published if admitted.

    Why a sliding window under a lock rather than a unique key per minute bucket: a bucket
    splits two scans a second apart across its boundary into two admissions, while the window
    is exact. The scan's identity is the badge, not the code's text, because a badge has
    exactly one authentic token and the holder is the same person whatever a scanner
    re-encodes. A transaction-scoped advisory lock on sha256(identity|zone|checkpoint)
    serialises concurrent twins: the second waits for the first to commit and then finds it.
    checkins.scan_key is that digest followed by the check-in id: unique per record, and its
    first 64 characters find the window's earlier scans.
    """
    try:
        claims: BadgeClaims | None = verifier.verify(code)
    except InvalidBadgeToken:
        claims = None
    identity = f"badge:{claims.badge_id}" if claims else f"code:{_sha256(code.strip())}"
    digest = _sha256(f"{identity}|{zone}|{checkpoint}")
    conn = uow.conn
    lock_key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
    await conn.execute(select(func.pg_advisory_xact_lock(lock_key)))

    badge = application = None
    if claims is not None:
        badge = (await conn.execute(select(badges).where(badges.c.id == claims.badge_id))).first()
        if badge is not None:
            application = await application_row(conn, badge.application_id)
    reason = admission(
        authentic=claims is not None,
        badge_status=badge.status if badge is not None else None,
        application_state=application.state if application is not None else None,
        badge_zones=tuple(badge.zones) if badge is not None else (),
        zone=zone,
    )
    allowed = reason is Reason.ADMITTED
    delegation = (
        await delegation_name(conn, application.delegation_id) if application is not None else None
    )
    known = {
        "badge_number": badge.badge_number if badge is not None else None,
        "given_name": application.given_name if application is not None else None,
        "family_name": application.family_name if application is not None else None,
        "delegation": delegation,
        "category": badge.category if badge is not None else None,
        "colour": badge.colour if badge is not None else None,
    }
    application_id = badge.application_id if badge is not None else None

    earlier = await _recent_scan(conn, digest, application_id)
    if earlier is not None and (earlier.allowed, earlier.reason) == (allowed, reason.value):
        await uow.commit()
        return CheckinOutcome(
            checkin_id=earlier.id,
            allowed=earlier.allowed,
            reason=Reason(earlier.reason),
            zone=zone,
            checkpoint=checkpoint,
            scanned_at=earlier.scanned_at,
            repeat=True,
            **known,
        )

    checkin_id = uuid.uuid4()
    scanned_at = (
        await conn.execute(
            checkins.insert()
            .values(
                id=checkin_id,
                scan_key=f"{digest}:{checkin_id.hex}",
                badge_id=claims.badge_id if claims else None,
                application_id=application_id,
                meeting_id=badge.meeting_id if badge is not None else None,
                zone=zone,
                checkpoint=checkpoint,
                allowed=allowed,
                reason=reason.value,
            )
            .returning(checkins.c.scanned_at)
        )
    ).scalar_one()
    if allowed:
        assert badge is not None and application is not None
        await uow.emit(
            ParticipantCheckedIn(
                checkin_id=checkin_id,
                application_id=badge.application_id,
                meeting_id=badge.meeting_id,
                delegation_id=badge.delegation_id,
                badge_number=badge.badge_number,
                zone=zone,
                checkpoint=checkpoint,
            ),
            subject=str(badge.application_id),
        )
    await uow.commit()
    log.info("badge scanned", zone=zone, checkpoint=checkpoint, reason=reason.value)
    return CheckinOutcome(
        checkin_id=checkin_id,
        allowed=allowed,
        reason=reason,
        zone=zone,
        checkpoint=checkpoint,
        scanned_at=scanned_at,
        repeat=False,
        **known,
    )


async def _recent_scan(
    conn: AsyncConnection, digest: str, application_id: uuid.UUID | None
) -> Row | None:
    """The latest scan of the same identity, zone and checkpoint within the window.

    Filtering on application_id (NULL for codes that name no known badge) lets the query use
    ix_checkins_application (application_id, scanned_at).
    """
    c = checkins
    same_application = (
        c.c.application_id.is_(None)
        if application_id is None
        else c.c.application_id == application_id
    )
    window = literal_column(f"interval '{REPEAT_WINDOW_SECONDS} seconds'")
    query = (
        select(c)
        .where(
            same_application,
            c.c.scanned_at > func.now() - window,
            func.left(c.c.scan_key, 64) == digest,
        )
        .order_by(c.c.scanned_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).first()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
