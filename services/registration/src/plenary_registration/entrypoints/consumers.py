"""The events registration consumes and the handler of each."""

from plenary_registration.service_layer import handlers
from plenary_shared import topics
from plenary_shared.consumer import Handler
from plenary_shared.events.delegation import (
    DelegationRegistered,
    NominationAccepted,
    NominationRejected,
)

CONSUMES = (topics.DELEGATION,)
HANDLERS: dict[str, Handler] = {
    DelegationRegistered.event_type: handlers.on_delegation_registered,
    NominationAccepted.event_type: handlers.on_nomination_accepted,
    NominationRejected.event_type: handlers.on_nomination_rejected,
}
