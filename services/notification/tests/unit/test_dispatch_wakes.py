"""When a finished webhook wakes the dispatcher: only when it frees a slot a lease wanted."""

import asyncio
import uuid
from types import SimpleNamespace

import pytest

from plenary_notification.entrypoints.workers.webhooks import Dispatcher

ENDPOINT = uuid.uuid4()


def _dispatcher(*, in_flight: int, leasing: bool = False, filled: bool = False) -> Dispatcher:
    settings = SimpleNamespace(webhook_endpoint_concurrency=2)
    rt = SimpleNamespace(settings=settings, state=SimpleNamespace(delivery_wake=asyncio.Event()))
    dispatcher = Dispatcher(rt, http=None)
    dispatcher.in_flight[ENDPOINT] = in_flight
    dispatcher.leasing, dispatcher.filled = leasing, filled
    return dispatcher


@pytest.mark.parametrize(
    ("in_flight", "leasing", "filled", "wakes"),
    [
        (2, False, False, True),  # the endpoint was at its limit: its next may start
        (1, False, False, False),  # nothing was held back: no lease for nothing
        (1, True, False, True),  # a lease is counting this one as busy: look again after it
        (1, False, True, True),  # every slot was taken
    ],
)
def test_a_finished_delivery_wakes_the_dispatcher_only_when_it_frees_a_wanted_slot(
    in_flight, leasing, filled, wakes
) -> None:
    dispatcher = _dispatcher(in_flight=in_flight, leasing=leasing, filled=filled)
    task = object()
    dispatcher.tasks.add(task)
    dispatcher._done(ENDPOINT)(task)
    assert dispatcher.wake.is_set() is wakes
    assert dispatcher.in_flight[ENDPOINT] == in_flight - 1
    assert task not in dispatcher.tasks
