"""One settle-or-retry rule for everything this service sends (webhooks and e-mails): no I/O.

Each queue has its own policy (its settings); the rule is the same: a success is settled, a
permanent failure or one at the last allowed attempt is given up, any other failure is tried
again after an exponential backoff with full jitter (`model.next_delay`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from plenary_notification.domain.model import next_delay


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a queue tries again."""

    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float


@dataclass(frozen=True)
class Settled:
    """Sent (or delivered): nothing more to do."""


@dataclass(frozen=True)
class Retry:
    """Failed for now: tried again at `at`."""

    at: datetime


@dataclass(frozen=True)
class GivenUp:
    """Failed for good: permanently refused, or out of attempts."""


Decision = Settled | Retry | GivenUp
SETTLED, GIVEN_UP = Settled(), GivenUp()


def settle(
    attempts: int,
    *,
    failed: bool,
    permanent: bool = False,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random | None = None,
) -> Decision:
    """What becomes of a row after its `attempts`-th attempt (counted when it was leased)."""
    if not failed:
        return SETTLED
    if permanent or attempts >= policy.max_attempts:
        return GIVEN_UP
    delay = next_delay(
        attempts, base=policy.backoff_seconds, cap=policy.backoff_max_seconds, rng=rng
    )
    return Retry(now + timedelta(seconds=delay))
