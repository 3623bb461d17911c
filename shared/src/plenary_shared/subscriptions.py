"""Who reads what: each consuming service's lanes (consumer groups and topics) and the event
types it handles, as the AsyncAPI catalogue declares them; each service tests its table agrees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from plenary_shared import topics
from plenary_shared.events import EventPayload, catalogue
from plenary_shared.events import delegation as d
from plenary_shared.events import registration as r
from plenary_shared.events import scheduling as s


@dataclass(frozen=True)
class Subscription:
    """One service's consumer: the bulk lane (group = the service), the express lane (group
    `<service>.express`), the event types with a handler (others are skipped)."""

    service: str
    consumes: tuple[str, ...]
    express: tuple[str, ...]
    handles: frozenset[str]

    @property
    def dead_letter_topic(self) -> str:
        """Where this service's records that keep failing go."""
        return topics.dead_letter_topic(self.service)

    def lanes(self) -> dict[str, tuple[str, ...]]:
        """Each consumer group of this service and its topics."""
        lanes = {self.service: self.consumes}
        if self.express:
            lanes[f"{self.service}.express"] = self.express
        return lanes


def subscription(
    service: str, handled: Iterable[str], consumes: Iterable[str], express: Iterable[str] = ()
) -> Subscription:
    """What a service's runtime consumes, given its handler table and topics: every service
    also keeps the ended sessions, read on the express lane (see `runtime`)."""
    lane = tuple(express)
    if r.SessionEnded.topic not in (*consumes, *lane):
        lane = (*lane, r.SessionEnded.topic)
    return Subscription(
        service=service,
        consumes=tuple(consumes),
        express=lane,
        handles=frozenset({*handled, r.SessionEnded.event_type}),
    )


def _types(*payloads: type[EventPayload]) -> list[str]:
    return [p.event_type for p in payloads]


_BULK = (topics.SCHEDULING, topics.DELEGATION, topics.REGISTRATION)

SUBSCRIPTIONS: tuple[Subscription, ...] = (
    subscription(
        "scheduling",
        _types(
            r.AccreditationGranted,
            r.AccreditationRevoked,
            r.ApplicationWithdrawn,
            d.DelegationRegistered,
            d.QuotasChanged,
            d.DelegationWithdrawn,
        ),
        (topics.REGISTRATION, topics.DELEGATION),
    ),
    subscription(
        "delegation",
        _types(
            s.MeetingCreated,
            r.ApplicationSubmitted,
            r.ApplicationRecategorised,
            r.ApplicationWithdrawn,
            r.AccreditationRevoked,
            r.AccreditationRefused,
        ),
        (topics.SCHEDULING, topics.REGISTRATION),
    ),
    subscription(
        "registration",
        _types(
            s.MeetingCreated,
            d.DelegationRegistered,
            d.DelegationWithdrawn,
            d.FocalPointAssigned,
            d.NominationAccepted,
            d.NominationRejected,
            d.NominationWaitlisted,
            r.AccreditationGranted,
        ),
        _BULK,
    ),
    # notification fans every event of the other services out to webhooks, e-mail and the stream
    subscription(
        "notification",
        [t for t, p in catalogue().items() if p.topic != topics.NOTIFICATION],
        _BULK,
        (topics.ACCOUNTS,),
    ),
)
