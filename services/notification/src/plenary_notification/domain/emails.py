"""Which e-mails an event causes, to whom, in which language: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from plenary_shared.events.registration import (
    InvitationCodeRequested,
    InvitationIssued,
    PasswordResetRequested,
)

INVITATION = InvitationIssued.event_type
RESET = PasswordResetRequested.event_type
CODE = InvitationCodeRequested.event_type
# a participant's application event, and what it means for the person and for the focal points
DECISIONS = {
    "registration.application.nominated": "nominated",
    "registration.application.waitlisted": "waitlisted",
    "registration.application.rejected": "rejected",
    "registration.accreditation.granted": "accredited",
    "registration.accreditation.refused": "refused",
}
# the accredited participant is written to when the badge is issued, with its number
TO_PARTICIPANT = {"refused": "refused", "waitlisted": "waiting_list", "promoted": "waiting_list"}
MEETING_EVENTS = frozenset(DECISIONS)


@dataclass(frozen=True)
class Recipient:
    """Someone to write to, in their language."""

    email: str
    language: str = "en"
    digest: bool = False


@dataclass(frozen=True)
class Email:
    """One e-mail to queue: its kind names the template."""

    kind: str
    recipient: str
    language: str
    context: dict = field(default_factory=dict)
    delegation_id: UUID | None = None
    held_for_digest: bool = False
    # a schedule change waits for the burst it belongs to, then goes out in one message
    batched: bool = False


def emails_for(
    event_type: str,
    data: dict,
    *,
    meeting_title: str | None = None,
    focal_points: Sequence[Recipient] = (),
    portal_url: str,
) -> list[Email]:
    """The e-mails one event causes."""
    if event_type == INVITATION:
        if not data.get("sealed_link"):
            return []
        context = {
            "role": data["role"],
            "sealed_link": data["sealed_link"],
            "expires_at": data["expires_at"],
        }
        return [Email("invitation", data["email"], data.get("language", "en"), context)]
    if event_type == CODE:
        context = {"sealed_code": data["sealed_code"], "expires_at": data["expires_at"]}
        return [Email("invitation_code", data["email"], data.get("language", "en"), context)]
    if event_type == RESET:
        context = {"sealed_link": data["sealed_link"], "expires_at": data["expires_at"]}
        return [Email("password_reset", data["email"], data.get("language", "en"), context)]
    decision = DECISIONS.get(event_type)
    if decision is None:
        return []
    if decision == "nominated" and data.get("promoted"):
        decision = "promoted"  # a seat freed and went to the first on the waiting list
    delegation_id = UUID(str(data["delegation_id"]))
    name = f"{data['given_name']} {data['family_name']}"
    about = {"name": name, "meeting": meeting_title or "", "portal_url": portal_url}
    found: list[Email] = []
    if kind := TO_PARTICIPANT.get(decision):
        found.append(
            Email(
                kind,
                data["email"],
                data.get("language", "en"),
                about
                | {
                    "reason": data.get("reason"),
                    "badge_number": None,
                    "decision": decision,
                    "position": data.get("position"),
                },
                delegation_id,
            )
        )
    reason = data.get("reason") if decision == "refused" else None
    for focal_point in focal_points:
        found.append(
            Email(
                "decision",
                focal_point.email,
                focal_point.language,
                about
                | {
                    "decision": decision,
                    "category": data["category"],
                    "reason": reason,
                    "position": data.get("position"),
                },
                delegation_id,
                held_for_digest=focal_point.digest,
            )
        )
    return found


SESSION_CHANGES = {
    "scheduling.session.moved": "moved",
    "scheduling.session.reroomed": "reroomed",
    "scheduling.session.cancelled": "cancelled",
}


def session_emails(event_type: str, data: dict, *, attendees: list[Recipient]) -> list[Email]:
    """A move, room change or cancellation, told to each attendee in their language."""
    change = SESSION_CHANGES.get(event_type)
    if change is None:
        return []
    titles = data.get("titles") or {}
    base = {
        "change": change,
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "timezone": data.get("timezone") or "UTC",
        "room": data.get("room"),
        "previous_starts_at": data.get("previous_starts_at"),
        "previous_room": data.get("previous_room"),
        "reason": data.get("reason"),
        "session_id": str(data["session_id"]),
        "meeting_id": str(data["meeting_id"]),
    }
    return [
        Email(
            "session_changed",
            a.email,
            a.language,
            base | {"title": titles.get(a.language) or data["title"]},
            batched=change != "cancelled",
        )
        for a in attendees
    ]


def net_changes(items: list[dict]) -> list[dict]:
    """A burst's changes with those of one session folded into one: where it was before the
    first and where it is after the last (a session moved twice is listed once)."""
    by_session: dict[str, list[dict]] = {}
    for item in items:
        by_session.setdefault(item["session_id"], []).append(item)
    return [group[0] if len(group) == 1 else _folded(group) for group in by_session.values()]


def _folded(group: list[dict]) -> dict:
    first, last = group[0], group[-1]
    before = first["previous_starts_at"] if first["change"] == "moved" else first["starts_at"]
    before_room = first["previous_room"] if first["change"] == "reroomed" else first["room"]
    moved = datetime.fromisoformat(before) != datetime.fromisoformat(last["starts_at"])
    reroomed = before_room != last["room"]
    change = {
        (True, True): "moved_reroomed",
        (True, False): "moved",
        (False, True): "reroomed",
        (False, False): "unchanged",
    }[moved, reroomed]
    return last | {"change": change, "previous_starts_at": before, "previous_room": before_room}


SEAT_EVENTS = {
    "scheduling.attendance.waitlisted": "waitlisted",
    "scheduling.attendance.assigned": "promoted",
}


def seat_outcome(event_type: str, data: dict) -> str | None:
    """Whether a session-seat event is news to its participant: waiting, or given a freed seat."""
    outcome = SEAT_EVENTS.get(event_type)
    if outcome == "promoted" and not data.get("promoted"):
        return None  # an ordinary assignment is no news to write about
    return outcome


def seat_email(outcome: str, data: dict, *, person: Recipient) -> list[Email]:
    """A participant put on a session's waiting list, or given a freed seat from it."""
    context = {
        "outcome": outcome,
        "title": data["title"],
        "starts_at": data["starts_at"],
        "timezone": data.get("timezone") or "UTC",
        "room": data.get("room"),
        "position": data.get("position"),
    }
    return [Email("session_seat", person.email, person.language, context)]


def seat_notices(
    outcome: str,
    data: dict,
    *,
    name: str,
    meeting_title: str,
    focal_points: list[Recipient],
    portal_url: str,
) -> list[Email]:
    """The delegation's focal points told of one of their people waiting for, or given, a seat."""
    context = {
        "decision": f"seat_{outcome}",
        "name": name,
        "meeting": meeting_title,
        "title": data["title"],
        "starts_at": data["starts_at"],
        "timezone": data.get("timezone") or "UTC",
        "position": data.get("position"),
        "category": None,
        "reason": None,
        "portal_url": portal_url,
    }
    return [
        Email(
            "decision",
            f.email,
            f.language,
            context,
            UUID(str(data["delegation_id"])),
            held_for_digest=f.digest,
        )
        for f in focal_points
    ]


def badge_email(
    data: dict, *, person: Recipient, name: str, meeting_title: str, portal_url: str
) -> list[Email]:
    """The accredited participant's e-mail, once its first badge is issued (not on re-issues)."""
    if data.get("replaces"):
        return []
    context = {
        "name": name,
        "meeting": meeting_title,
        "badge_number": data["badge_number"],
        "portal_url": portal_url,
    }
    return [
        Email(
            "accredited",
            person.email,
            person.language,
            context,
            UUID(str(data["delegation_id"])),
        )
    ]


def digest_cutoff(now: datetime, *, hour: int) -> datetime:
    """The latest daily digest time at or before now (the digest hour, UTC)."""
    today = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)
