"""The events registration consumes and the handler of each."""

from plenary_registration.service_layer import badges, handlers
from plenary_shared import topics
from plenary_shared.consumer import Handler
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    NominationAccepted,
    NominationRejected,
)
from plenary_shared.events.registration import AccreditationGranted
from plenary_shared.events.scheduling import MeetingCreated

CONSUMES = (
    topics.SCHEDULING,
    topics.DELEGATION,
    topics.REGISTRATION,
)
HANDLERS: dict[str, Handler] = {
    MeetingCreated.event_type: handlers.on_meeting_created,
    DelegationRegistered.event_type: handlers.on_delegation_registered,
    DelegationWithdrawn.event_type: handlers.on_delegation_withdrawn,
    NominationAccepted.event_type: handlers.on_nomination_accepted,
    NominationRejected.event_type: handlers.on_nomination_rejected,
    AccreditationGranted.event_type: badges.on_accreditation_granted,
}
