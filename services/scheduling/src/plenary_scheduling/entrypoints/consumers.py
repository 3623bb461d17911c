"""The events scheduling consumes and the handler of each."""

from plenary_scheduling.service_layer import handlers
from plenary_shared import topics
from plenary_shared.consumer import Handler
from plenary_shared.events.registration import AccreditationGranted

CONSUMES = (topics.REGISTRATION,)
HANDLERS: dict[str, Handler] = {
    AccreditationGranted.event_type: handlers.on_accreditation_granted,
}
