"""Throttling sign-ins and reset requests per e-mail address and per client address."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from plenary_registration.domain.throttle import (
    Action,
    Rule,
    Scope,
    in_words,
    key_of,
    retry_after,
    strike,
    wait,
)
from plenary_shared.errors import DomainError
from plenary_shared.events.registration import SignInThrottled

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Limits:
    """The rule of each scope for one action."""

    account: Rule
    client: Rule

    def of(self, scope: Scope) -> Rule:
        """The rule of a scope."""
        return self.account if scope is Scope.ACCOUNT else self.client


class Throttled(DomainError):
    """Too many attempts: the caller waits `retry_after` seconds."""

    status = 429
    title = "Too many requests"

    def __init__(self, remaining: timedelta) -> None:
        seconds = retry_after(remaining)
        super().__init__(
            f"Too many attempts. Try again in {in_words(seconds)}.", retry_after=seconds
        )


def keys_of(email: str, client: str | None) -> dict[Scope, str]:
    """The counters one attempt counts against: the e-mail address's and the client's."""
    keys = {Scope.ACCOUNT: key_of(email)}
    if client:
        keys[Scope.CLIENT] = key_of(_network(client))
    return keys


def _network(client: str) -> str:
    """An IPv6 client counts as its /64, which one subscriber usually holds whole."""
    try:
        ip = ipaddress.ip_address(client)
    except ValueError:
        return client
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


async def ensure_open(
    uow: UnitOfWork[Repository], *, action: Action, keys: dict[Scope, str], now: datetime
) -> None:
    """Refuse with the longest wait while any of the keys is locked."""
    waits = [
        remaining
        for scope, key in keys.items()
        if (remaining := wait(await uow.repo.counter(action, scope, key), now))
    ]
    if waits:
        raise Throttled(max(waits))


async def count_strike(
    uow: UnitOfWork[Repository],
    *,
    action: Action,
    keys: dict[Scope, str],
    limits: Limits,
    account_id: uuid.UUID | None,
    now: datetime,
) -> timedelta | None:
    """Count one strike against each key (not committed); the longest lock now standing.

    A key found locked by a concurrent attempt is not struck again. Each lock that starts is
    published as an audit event.
    """
    longest: timedelta | None = None
    for scope in sorted(keys):  # one order for every caller, so two attempts cannot deadlock
        key = keys[scope]
        before = await uow.repo.locked_counter(action, scope, key)
        if standing := wait(before, now):
            longest = max(longest or standing, standing)
            continue
        after = strike(before, limits.of(scope), now)
        await uow.repo.save_counter(action, scope, key, after)
        if (lock := wait(after, now)) is None:
            continue
        longest = max(longest or lock, lock)
        seconds = retry_after(lock)
        await uow.emit(
            SignInThrottled(
                action=action.value,
                scope=scope.value,
                key_hash=key,
                account_id=account_id if scope is Scope.ACCOUNT else None,
                strikes=after.strikes,
                locked_until=after.locked_until,
                lock_seconds=seconds,
            ),
            subject=key,
        )
        log.warning("throttled", action=action.value, scope=scope.value, lock_seconds=seconds)
    return longest


async def clear_account(
    uow: UnitOfWork[Repository], *, action: Action, keys: dict[Scope, str], now: datetime
) -> None:
    """A success forgets the e-mail address's strikes, unless a lock began meanwhile (refused).

    The client's strikes stay: one good password must not wipe a client's guesses at others.
    """
    key = keys[Scope.ACCOUNT]
    before = await uow.repo.counter(action, Scope.ACCOUNT, key)
    if before.strikes == 0:
        return
    before = await uow.repo.locked_counter(action, Scope.ACCOUNT, key)
    if standing := wait(before, now):
        raise Throttled(standing)
    await uow.repo.forget_counter(action, Scope.ACCOUNT, key)


async def forget_quiet(uow: UnitOfWork[Repository], *, window: timedelta, now: datetime) -> int:
    """Drop the counters whose strikes are forgotten anyway (quiet for a window); how many."""
    forgotten = await uow.repo.forget_quiet_counters(before=now - window)
    await uow.commit()
    return forgotten
