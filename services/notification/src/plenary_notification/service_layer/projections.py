"""What notification remembers of other services' events, before the e-mails they cause are
worked out: meetings, accredited participants, who attends which session, focal points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.delegation import FocalPointAssigned, FocalPointRevoked
from plenary_shared.events.registration import AccreditationGranted
from plenary_shared.events.scheduling import AttendanceAssigned, AttendanceRemoved, MeetingCreated

if TYPE_CHECKING:
    from plenary_notification.adapters.repository import Repository


async def on_meeting_created(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Remember a meeting's title and time zone, for the e-mails about it."""
    created = MeetingCreated.model_validate(event.data)
    await uow.repo.remember_meeting(
        created.meeting_id, title=created.title, city=created.city, timezone=created.timezone
    )


async def on_accreditation_granted(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """An accredited participant may be put in sessions: remember how to write to them."""
    await on_accreditations_granted(uow, [event])


async def on_accreditations_granted(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """Accredited participants (distinct) remembered in one statement."""
    rows = []
    for event in events:
        granted = AccreditationGranted.model_validate(event.data)
        rows.append(
            {
                "application_id": granted.application_id,
                "meeting_id": granted.meeting_id,
                "delegation_id": granted.delegation_id,
                "email": granted.email.lower(),
                "language": granted.language,
                "given_name": granted.given_name,
                "family_name": granted.family_name,
            }
        )
    await uow.repo.remember_participants(rows)


async def on_attendance_assigned(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Someone was put in a session: they hear of its changes."""
    assigned = AttendanceAssigned.model_validate(event.data)
    await uow.repo.add_attendance(
        session_id=assigned.session_id,
        application_id=assigned.application_id,
        delegation_id=assigned.delegation_id,
    )


async def on_attendance_removed(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Someone left a session: they hear no more of it."""
    removed = AttendanceRemoved.model_validate(event.data)
    await uow.repo.remove_attendance(
        session_id=removed.session_id, application_id=removed.application_id
    )


async def on_focal_point_assigned(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A focal point hears of its delegation's decisions from now on."""
    assigned = FocalPointAssigned.model_validate(event.data)
    values = {
        "delegation_id": assigned.delegation_id,
        "meeting_id": assigned.meeting_id,
        "email": assigned.email.lower(),
        "name": assigned.name,
        "language": assigned.language,
        "revoked_at": None,
    }
    await uow.repo.remember_focal_point(assigned.focal_point_id, values)


async def on_focal_point_revoked(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A revoked focal point hears no more."""
    revoked = FocalPointRevoked.model_validate(event.data)
    await uow.repo.revoke_focal_point(revoked.focal_point_id, at=event.time)
