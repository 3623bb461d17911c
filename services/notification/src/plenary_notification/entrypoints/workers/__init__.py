"""The background loops of notification: webhooks, e-mail, digests, change notices, the stream."""

from plenary_notification.entrypoints.workers.mail import (
    batch_forever,
    digest_forever,
    mail_forever,
)
from plenary_notification.entrypoints.workers.stream import prune_forever
from plenary_notification.entrypoints.workers.webhooks import deliver_forever

BACKGROUND = [deliver_forever, mail_forever, digest_forever, batch_forever, prune_forever]

__all__ = [
    "BACKGROUND",
    "batch_forever",
    "deliver_forever",
    "digest_forever",
    "mail_forever",
    "prune_forever",
]
