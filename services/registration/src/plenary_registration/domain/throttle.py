"""Throttling sign-ins and reset requests: when a counter locks, for how long, and whom it counts.

A counter counts strikes (a wrong password, a reset request) against one key: an account's
e-mail address or a client's network address. The first `free - 1` strikes cost nothing; the
`free`-th locks the key for `base`, and each further strike doubles the lock, up to `cap`.
Strikes are forgotten once the key has been quiet (no strike, no lock) for `window`. Attempts
while locked are refused without being looked at, so they neither count nor tell anything.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

MAX_DOUBLINGS = 32


class Action(StrEnum):
    """What is throttled."""

    SIGN_IN = "sign_in"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a name, not a secret


class Scope(StrEnum):
    """Whose strikes a counter counts."""

    ACCOUNT = "account"  # one e-mail address, whether or not it has an account
    CLIENT = "client"  # one network address, whichever e-mail addresses it tries


@dataclass(frozen=True)
class Rule:
    """After `free` strikes a lock of `base`, doubling per further strike up to `cap`."""

    free: int
    base: timedelta
    cap: timedelta
    window: timedelta


@dataclass(frozen=True)
class Counter:
    """The strikes against one key, and the lock they earned."""

    strikes: int = 0
    last_strike_at: datetime | None = None
    locked_until: datetime | None = None


def lock_for(strikes: int, rule: Rule) -> timedelta:
    """How long a key is locked after its n-th strike (nothing before the `free`-th)."""
    if strikes < rule.free:
        return timedelta(0)
    doublings = min(strikes - rule.free, MAX_DOUBLINGS)
    return min(rule.base * 2**doublings, rule.cap)


def wait(counter: Counter, now: datetime) -> timedelta | None:
    """How long the key stays locked, or None when it is open."""
    if counter.locked_until is None or counter.locked_until <= now:
        return None
    return counter.locked_until - now


def strike(counter: Counter, rule: Rule, now: datetime) -> Counter:
    """The counter after one more strike: counted afresh after a quiet window."""
    quiet_since = max(
        (t for t in (counter.last_strike_at, counter.locked_until) if t is not None), default=None
    )
    earlier = counter.strikes if quiet_since and now - quiet_since <= rule.window else 0
    strikes = earlier + 1
    lock = lock_for(strikes, rule)
    return Counter(
        strikes=strikes,
        last_strike_at=now,
        locked_until=now + lock if lock else counter.locked_until,
    )


def retry_after(remaining: timedelta) -> int:
    """Whole seconds to wait, rounded up (the Retry-After header), at least one."""
    return max(1, math.ceil(remaining.total_seconds()))


def in_words(seconds: int) -> str:
    """A wait as people say it: "45 seconds", "1 minute", "2 minutes" (minutes rounded up)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def key_of(value: str) -> str:
    """The stored key of an e-mail or network address: a hash, never the address itself."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Iterable[str]
) -> str | None:
    """Who is calling: the nearest address that is not a trusted proxy, else None.

    X-Forwarded-For lists addresses left to right as each proxy appended its peer; walking back
    from the peer through it, past proxies we trust, the first other address is the client. A
    header from a peer that is not trusted is ignored, since anyone can write one. When every
    hop is trusted (the portal or a local tool, naming no one else), there is no client to
    count: a proxy speaks for many people, and the per-account limit still applies.
    """
    networks = [ipaddress.ip_network(n.strip(), strict=False) for n in trusted if n.strip()]

    def is_trusted(address: str) -> bool:
        return any(ipaddress.ip_address(address) in network for network in networks)

    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in [peer, *reversed(hops)]:
        if hop is None:
            return None
        try:
            if not is_trusted(hop):
                return hop
        except ValueError:
            return None  # a malformed hop names no one reliably
    return None
