"""The events delegation consumes and the handler of each."""

from plenary_delegation.service_layer import meetings, nominations, seats
from plenary_shared import topics
from plenary_shared.consumer import Batched, Handler
from plenary_shared.events.registration import (
    AccreditationRefused,
    AccreditationRevoked,
    ApplicationRecategorised,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)
from plenary_shared.events.scheduling import MeetingCreated

CONSUMES = (topics.SCHEDULING, topics.REGISTRATION)
HANDLERS: dict[str, Handler] = {
    MeetingCreated.event_type: meetings.on_meeting_created,
    ApplicationSubmitted.event_type: Batched(
        nominations.on_application_submitted, nominations.on_applications_submitted
    ),
    ApplicationRecategorised.event_type: nominations.on_application_recategorised,
    ApplicationWithdrawn.event_type: seats.on_application_withdrawn,
    AccreditationRevoked.event_type: seats.on_accreditation_revoked,
    AccreditationRefused.event_type: seats.on_accreditation_refused,
}
