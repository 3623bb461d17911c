"""The events registration consumes and the handler of each."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from plenary_registration.config import Settings
from plenary_registration.service_layer import accounts, answers, applications, badges
from plenary_shared import topics
from plenary_shared.consumer import Batched, Handler
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

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

CONSUMES = (topics.SCHEDULING, topics.DELEGATION, topics.REGISTRATION)


def handlers_for(settings: Settings) -> dict[str, Handler]:
    """Each consumed event type and its handler."""
    days, links = settings.invitation_days, settings.links
    prefix = settings.badge_number_prefix

    async def on_accreditation_granted(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
        """Accredited: the badge is issued and the participant invited to the portal."""
        await badges.on_accreditation_granted(uow, event, prefix=prefix)
        await accounts.on_accreditation_granted(uow, event, days=days, links=links)

    return {
        MeetingCreated.event_type: applications.on_meeting_created,
        DelegationRegistered.event_type: applications.on_delegation_registered,
        DelegationWithdrawn.event_type: answers.on_delegation_withdrawn,
        FocalPointAssigned.event_type: partial(
            accounts.on_focal_point_assigned, days=days, links=links
        ),
        NominationAccepted.event_type: Batched(
            answers.on_nomination_accepted, answers.on_nominations_accepted
        ),
        NominationRejected.event_type: Batched(
            answers.on_nomination_rejected, answers.on_nominations_rejected
        ),
        NominationWaitlisted.event_type: Batched(
            answers.on_nomination_waitlisted, answers.on_nominations_waitlisted
        ),
        AccreditationGranted.event_type: on_accreditation_granted,
    }
