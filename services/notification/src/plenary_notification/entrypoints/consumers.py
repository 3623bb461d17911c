"""The events notification consumes: every other service's, fanned out to webhooks and e-mail."""

from __future__ import annotations

from collections.abc import Callable

from plenary_notification.config import Settings
from plenary_notification.service_layer import emails, projections, stream, webhooks
from plenary_shared import topics
from plenary_shared.consumer import Batched, Handler
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import catalogue
from plenary_shared.events.delegation import FocalPointAssigned, FocalPointRevoked
from plenary_shared.events.registration import AccreditationGranted, BadgeIssued
from plenary_shared.events.scheduling import AttendanceAssigned, AttendanceRemoved, MeetingCreated

CONSUMES = (topics.SCHEDULING, topics.DELEGATION, topics.REGISTRATION)
# invitations, codes and resets: read by the express lane, never behind the bulk topics
EXPRESS = (topics.ACCOUNTS,)
# what notification remembers of an event, before the e-mails it causes are worked out
PROJECTIONS = {
    MeetingCreated.event_type: projections.on_meeting_created,
    AccreditationGranted.event_type: projections.on_accreditation_granted,
    AttendanceAssigned.event_type: projections.on_attendance_assigned,
    AttendanceRemoved.event_type: projections.on_attendance_removed,
    FocalPointAssigned.event_type: projections.on_focal_point_assigned,
    FocalPointRevoked.event_type: projections.on_focal_point_revoked,
}
# the same for a run of events at once
BULK_PROJECTIONS = {AccreditationGranted.event_type: projections.on_accreditations_granted}
# events whose e-mails name the participant: a run's participants are read at once
ABOUT_PARTICIPANTS = frozenset({BadgeIssued.event_type})
# projections that change what the e-mails read once per transaction (meetings, focal points)
CHANGE_MEETINGS = frozenset(
    {MeetingCreated.event_type, FocalPointAssigned.event_type, FocalPointRevoked.event_type}
)


def handlers_for(
    settings: Settings,
    *,
    webhooks_queued: Callable[[], None],
    mail_queued: Callable[[], None],
    changes_batched: Callable[[], None],
    listeners: stream.Listeners,
) -> dict[str, Handler]:
    """Every event type of the consumed topics: projections, e-mails, webhooks, the stream."""

    async def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        """Everything one event means to notification, in one transaction."""
        if project := PROJECTIONS.get(event.type):
            await project(uow, event)
            if event.type in CHANGE_MEETINGS:
                emails.forget_meetings(uow)
        await _fan_out(uow, event)

    async def handle_many(uow: UnitOfWork, events: list[CloudEvent]) -> None:
        """A run of one type: its projection in one statement, or its participants read at
        once; then each event's fan-out."""
        if project := BULK_PROJECTIONS.get(events[0].type):
            await project(uow, events)
        if events[0].type in ABOUT_PARTICIPANTS:
            await emails.know_people(uow, events)
        try:
            for event in events:
                uow.caused_by(event)
                await _fan_out(uow, event)
        finally:
            emails.forget_people(uow)

    async def _fan_out(uow: UnitOfWork, event: CloudEvent) -> None:
        await emails.on_event(
            uow,
            event,
            portal_url=settings.portal_url,
            on_queued=mail_queued,
            on_batched=changes_batched,
        )
        await webhooks.on_event(uow, event, on_queued=webhooks_queued, on_mail_queued=mail_queued)
        await stream.on_event(uow, event, listeners=listeners)

    return {
        event_type: Batched(handle, handle_many)
        if event_type in BULK_PROJECTIONS.keys() | ABOUT_PARTICIPANTS
        else handle
        for event_type, payload in catalogue().items()
        if payload.topic in CONSUMES + EXPRESS
    }
