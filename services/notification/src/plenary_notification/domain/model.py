"""Which subscriptions an event concerns, and when a failed delivery is tried again: no I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from uuid import UUID


def matches(patterns: list[str], event_type: str) -> bool:
    """Whether an event type matches any pattern such as `registration.*` or `*`."""
    return any(fnmatchcase(event_type, p) for p in patterns)


def next_delay(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: a random wait up to base * 2^(attempt-1), capped."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def idle_wait(next_due: datetime | None, *, now: datetime, longest: float) -> float:
    """How long a queue's worker may sleep: until its next row falls due, at most `longest`."""
    if next_due is None:
        return longest
    return min(longest, max((next_due - now).total_seconds(), 0.0))


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
