"""The events notification consumes: every other service's, fanned out to webhooks and e-mail."""

from __future__ import annotations

from collections.abc import Callable

from plenary_notification.config import Settings
from plenary_notification.service_layer import emails, handlers
from plenary_shared import topics
from plenary_shared.consumer import Handler
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import catalogue
from plenary_shared.events.delegation import FocalPointAssigned, FocalPointRevoked
from plenary_shared.events.scheduling import MeetingCreated

CONSUMES = (topics.SCHEDULING, topics.DELEGATION, topics.REGISTRATION)
# what notification remembers of an event, before the e-mails it causes are worked out
PROJECTIONS = {
    MeetingCreated.event_type: emails.on_meeting_created,
    FocalPointAssigned.event_type: emails.on_focal_point_assigned,
    FocalPointRevoked.event_type: emails.on_focal_point_revoked,
}


def handlers_for(
    settings: Settings, *, webhooks_queued: Callable[[], None], mail_queued: Callable[[], None]
) -> dict[str, Handler]:
    """Every event type of the consumed topics: projections, webhooks, then e-mails."""

    async def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        """Everything one event means to notification, in one transaction."""
        if project := PROJECTIONS.get(event.type):
            await project(uow, event)
        await emails.on_event(uow, event, portal_url=settings.portal_url, on_queued=mail_queued)
        await handlers.on_event(uow, event, on_queued=webhooks_queued)

    return {
        event_type: handle
        for event_type, payload in catalogue().items()
        if payload.topic in CONSUMES
    }
