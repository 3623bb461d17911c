"""The events scheduling consumes and the handler of each."""

from plenary_scheduling.service_layer import reactions
from plenary_shared import topics
from plenary_shared.consumer import Batched, Handler
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    QuotasChanged,
)
from plenary_shared.events.registration import (
    AccreditationGranted,
    AccreditationRevoked,
    ApplicationWithdrawn,
)

CONSUMES = (topics.REGISTRATION, topics.DELEGATION)
HANDLERS: dict[str, Handler] = {
    AccreditationGranted.event_type: Batched(
        reactions.on_accreditation_granted, reactions.on_accreditations_granted
    ),
    AccreditationRevoked.event_type: reactions.on_accreditation_revoked,
    ApplicationWithdrawn.event_type: reactions.on_application_withdrawn,
    DelegationRegistered.event_type: reactions.on_delegation_registered,
    QuotasChanged.event_type: reactions.on_quotas_changed,
    DelegationWithdrawn.event_type: reactions.on_delegation_withdrawn,
}
