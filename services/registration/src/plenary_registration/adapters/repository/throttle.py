"""Reading and writing throttle counters (registration.sign_in_throttle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from plenary_registration.adapters.repository._rows import Rows
from plenary_registration.adapters.tables import sign_in_throttle as t
from plenary_registration.domain.throttle import Action, Counter, Scope


def _where(action: Action, scope: Scope, key: str) -> tuple:
    return (t.c.action == action.value, t.c.scope == scope.value, t.c.key == key)


def _counter(row) -> Counter:
    if row is None:
        return Counter()
    return Counter(
        strikes=row.strikes, last_strike_at=row.last_strike_at, locked_until=row.locked_until
    )


class ThrottleRows(Rows):
    """Strike counters per action, scope and key."""

    async def counter(self, action: Action, scope: Scope, key: str) -> Counter:
        """A key's counter as it stands (an empty one if the key has no strikes)."""
        row = (await self._conn.execute(select(t).where(*_where(action, scope, key)))).one_or_none()
        return _counter(row)

    async def locked_counter(self, action: Action, scope: Scope, key: str) -> Counter:
        """A key's counter, locked until the transaction ends, so concurrent strikes all count."""
        await self._conn.execute(
            insert(t)
            .values(action=action.value, scope=scope.value, key=key)
            .on_conflict_do_nothing(index_elements=["action", "scope", "key"])
        )
        query = select(t).where(*_where(action, scope, key)).with_for_update()
        return _counter((await self._conn.execute(query)).one())

    async def save_counter(self, action: Action, scope: Scope, key: str, counter: Counter) -> None:
        """Write a counter taken with `locked_counter`."""
        await self._conn.execute(
            update(t)
            .where(*_where(action, scope, key))
            .values(
                strikes=counter.strikes,
                last_strike_at=counter.last_strike_at,
                locked_until=counter.locked_until,
            )
        )

    async def forget_counter(self, action: Action, scope: Scope, key: str) -> None:
        """Drop a key's strikes (a successful sign-in)."""
        await self._conn.execute(delete(t).where(*_where(action, scope, key)))

    async def forget_quiet_counters(self, *, before: datetime) -> int:
        """Drop the counters of keys quiet since before a moment; how many."""
        result = await self._conn.execute(
            delete(t).where(
                t.c.last_strike_at < before,
                (t.c.locked_until.is_(None)) | (t.c.locked_until < before),
            )
        )
        return result.rowcount
