"""Which subscriptions an event concerns, what each channel does, and when a failed delivery is
tried again: no I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from uuid import UUID


class Channel(StrEnum):
    """How a subscription receives its events (the API's `channel` values)."""

    WEBHOOK = "webhook"
    EMAIL = "email"
    STREAM = "stream"


class Sends(StrEnum):
    """What an event (or a ping) becomes for a channel."""

    DELIVERY = "delivery"  # a row of `deliveries`, posted by the webhook dispatcher
    EMAIL = "email"  # an e-mail, sent by the e-mail worker
    NOTHING = "nothing"  # read by the client itself (the live stream)


@dataclass(frozen=True)
class ChannelRules:
    """What a channel does with events, pings and its settings."""

    sends: Sends
    # a paused subscription keeps its events for when it resumes (else it misses them)
    keeps_while_paused: bool
    has_url: bool  # posted to a url, which a subscription may change
    signed: bool  # signed with a secret, which can be rotated
    # why a ping is refused (None: a ping is sent as any event is)
    no_ping: str | None = None


CHANNELS: dict[str, ChannelRules] = {
    Channel.WEBHOOK: ChannelRules(
        sends=Sends.DELIVERY, keeps_while_paused=True, has_url=True, signed=True
    ),
    Channel.EMAIL: ChannelRules(
        sends=Sends.EMAIL, keeps_while_paused=False, has_url=False, signed=False
    ),
    Channel.STREAM: ChannelRules(
        sends=Sends.NOTHING,
        keeps_while_paused=False,
        has_url=False,
        signed=False,
        no_ping="a stream subscription is read with GET /v1/stream; there is nothing to ping",
    ),
}


class UnknownChannel(ValueError):
    """A channel this service does not have: refused, never taken for another."""


def rules_of(channel: str) -> ChannelRules:
    """What a channel does; an unknown one is refused with the channels there are."""
    rules = CHANNELS.get(channel)
    if rules is None:
        known = ", ".join(CHANNELS)
        raise UnknownChannel(f"'{channel}' is not a channel; the channels are {known}")
    return rules


def matches(patterns: list[str], event_type: str) -> bool:
    """Whether an event type matches any pattern such as `registration.*` or `*`."""
    return any(fnmatchcase(event_type, p) for p in patterns)


def next_delay(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with equal jitter: a random wait between half and all of
    base * 2^(attempt-1), capped."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def idle_wait(next_due: datetime | None, *, now: datetime, longest: float) -> float:
    """How long a queue's worker may sleep: until its next row falls due, at most `longest`."""
    if next_due is None:
        return longest
    return min(longest, max((next_due - now).total_seconds(), 0.0))


def signing_secrets(subscription, *, now: datetime | None = None) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    found = [subscription.secret]
    until = subscription.previous_secret_expires_at
    if subscription.previous_secret and until and until > (now or datetime.now(UTC)):
        found.append(subscription.previous_secret)
    return found


def is_success(status_code: int) -> bool:
    """A receiver acknowledges with any 2xx."""
    return 200 <= status_code < 300


@dataclass(frozen=True)
class Scope:
    """Whose events a subscription may receive: all, one delegation's, or one person's."""

    delegation_id: UUID | None = None
    application_id: UUID | None = None


def concerns(subscription, event_type: str, data: dict) -> bool:
    """Whether an event is one a subscription asked for and may see."""
    if not matches(subscription.event_types, event_type):
        return False
    for field in ("meeting_id", "delegation_id", "application_id"):
        wanted = getattr(subscription, field)
        if wanted is not None and str(wanted) != str(data.get(field)):
            return False
    return True
