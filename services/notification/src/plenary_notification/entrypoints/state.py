"""What the notification process holds for its lifetime, typed: `runtime.state`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from plenary_notification.service_layer.stream import Listeners


@dataclass
class State:
    """The wake-ups of the workers and the open live streams of this process."""

    # deliveries were queued (or one finished): the webhook dispatcher looks again
    delivery_wake: asyncio.Event = field(default_factory=asyncio.Event)
    # e-mails were queued: the e-mail worker looks again
    mail_wake: asyncio.Event = field(default_factory=asyncio.Event)
    # schedule changes were batched: the change worker looks again
    changes_wake: asyncio.Event = field(default_factory=asyncio.Event)
    stream_listeners: Listeners = field(default_factory=Listeners)
