"""One settle-or-retry rule for everything this service sends (webhooks and e-mails): no I/O.

Each queue has its own policy (its settings); the rule is the same: a success is settled, a
permanent failure or one at the last allowed attempt is given up, any other failure is tried
again later. Webhooks follow a fixed schedule (Standard Webhooks), each wait lengthened by up
to `SCHEDULE_JITTER` of itself and never shortened, and a receiver's `Retry-After` may push the
next attempt later (up to `retry_after_max_seconds`); e-mails back off exponentially with equal
jitter (`model.next_delay`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from plenary_notification.domain.model import next_delay

# the Standard Webhooks schedule: after the first attempt, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
# 10 h (eight attempts over about 27.6 h)
STANDARD_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
# a scheduled wait is lengthened by a random share of itself up to this, so that deliveries
# failed together are not all tried again in the same second
SCHEDULE_JITTER = 0.1


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a queue tries again: exponential backoff, or a schedule
    (`schedule[n - 1]` is the wait after the n-th failed attempt; one attempt more than waits)."""

    max_attempts: int
    backoff_seconds: float = 0.0
    backoff_max_seconds: float = 0.0
    schedule: tuple[float, ...] = ()
    # the longest wait a receiver's Retry-After may ask for (0: Retry-After is ignored)
    retry_after_max_seconds: float = 0.0

    @classmethod
    def scheduled(
        cls, schedule: tuple[float, ...], *, retry_after_max_seconds: float
    ) -> RetryPolicy:
        """A policy that waits as `schedule` says, attempting once more than it has waits."""
        return cls(
            max_attempts=len(schedule) + 1,
            schedule=tuple(schedule),
            retry_after_max_seconds=retry_after_max_seconds,
        )

    def wait(self, attempts: int, *, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempts`-th failed attempt, jitter included."""
        if self.schedule:
            base = self.schedule[min(attempts, len(self.schedule)) - 1]
            return base * (rng or random).uniform(1.0, 1.0 + SCHEDULE_JITTER)
        return next_delay(
            attempts, base=self.backoff_seconds, cap=self.backoff_max_seconds, rng=rng
        )


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
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """What becomes of a row after its `attempts`-th attempt (counted when it was leased); a
    receiver's `retry_after` (seconds) postpones the retry, within the policy's bounds."""
    if not failed:
        return SETTLED
    if permanent or attempts >= policy.max_attempts:
        return GIVEN_UP
    delay = policy.wait(attempts, rng=rng)
    if retry_after is not None and policy.retry_after_max_seconds > 0:
        delay = max(delay, min(retry_after, policy.retry_after_max_seconds))
    return Retry(now + timedelta(seconds=delay))


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """A `Retry-After` header as seconds from `now` (delay-seconds or an HTTP-date; a date past
    is 0); None when absent or not either form."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" is UTC too
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)
