"""The events registration consumes and the handler of each."""

from functools import partial

from plenary_registration.config import Settings
from plenary_registration.service_layer import accounts, badges, handlers
from plenary_shared import topics
from plenary_shared.consumer import Batched, Handler
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    FocalPointAssigned,
    NominationAccepted,
    NominationRejected,
    NominationWaitlisted,
)
from plenary_shared.events.registration import AccreditationGranted
from plenary_shared.events.scheduling import MeetingCreated

CONSUMES = (topics.SCHEDULING, topics.DELEGATION, topics.REGISTRATION)


def handlers_for(settings: Settings) -> dict[str, Handler]:
    """Each consumed event type and its handler."""
    days, links = settings.invitation_days, settings.links

    async def on_accreditation_granted(uow: UnitOfWork, event: CloudEvent) -> None:
        """Accredited: the badge is issued and the participant invited to the portal."""
        await badges.on_accreditation_granted(uow, event)
        await accounts.on_accreditation_granted(uow, event, days=days, links=links)

    return {
        MeetingCreated.event_type: handlers.on_meeting_created,
        DelegationRegistered.event_type: handlers.on_delegation_registered,
        DelegationWithdrawn.event_type: handlers.on_delegation_withdrawn,
        FocalPointAssigned.event_type: partial(
            accounts.on_focal_point_assigned, days=days, links=links
        ),
        NominationAccepted.event_type: Batched(
            handlers.on_nomination_accepted, handlers.on_nominations_accepted
        ),
        NominationRejected.event_type: Batched(
            handlers.on_nomination_rejected, handlers.on_nominations_rejected
        ),
        NominationWaitlisted.event_type: Batched(
            handlers.on_nomination_waitlisted, handlers.on_nominations_waitlisted
        ),
        AccreditationGranted.event_type: on_accreditation_granted,
    }
