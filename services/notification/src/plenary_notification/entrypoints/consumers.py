"""The events notification consumes: every other service's, each fanned out to subscriptions."""

from collections.abc import Callable
from functools import partial

from plenary_notification.service_layer import handlers
from plenary_shared import topics
from plenary_shared.consumer import Handler
from plenary_shared.events import catalogue

CONSUMES = (topics.SCHEDULING, topics.DELEGATION, topics.REGISTRATION)


def handlers_for(*, on_queued: Callable[[], None]) -> dict[str, Handler]:
    """Every event type of the consumed topics goes to the fan-out handler."""
    fan_out = partial(handlers.on_event, on_queued=on_queued)
    return {
        event_type: fan_out
        for event_type, payload in catalogue().items()
        if payload.topic in CONSUMES
    }
