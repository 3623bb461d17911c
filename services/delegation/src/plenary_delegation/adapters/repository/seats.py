"""Seats: claimed against a delegation's total and category quotas, taken together, released.

The quota rule is `domain.quotas.seat_fits`; `claim_seat` (and `claim_nomination_seat`)
enforce it atomically in one conditional statement, so concurrent claims never oversell.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import (
    Integer,
    Row,
    String,
    Uuid,
    any_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert

from plenary_delegation.adapters.repository.delegations import DelegationRows
from plenary_delegation.adapters.tables import category_quotas, delegations, nominations, seats
from plenary_delegation.domain.model import DelegationStatus, Standing


@dataclass(frozen=True)
class SeatClaim:
    """The outcome of claiming a seat: taken, or why not, with the limit that applied."""

    taken: bool
    withdrawn: bool
    quota: int
    used: int
    category_full: bool = False


class SeatRows(DelegationRows):
    """Seats of a delegation's quotas."""

    async def claim_seat(
        self, *, delegation_id: UUID, application_id: UUID, category: str
    ) -> SeatClaim:
        """Take one seat of the total and of the category quota together, or neither.

        This enforces `domain.quotas.seat_fits` atomically, in one conditional statement: both
        counters are claimed by conditional writes, the delegation row first so concurrent
        claims queue on it, and a taken seat is recorded in `seats`. When the category is full
        the total claim is given back while the row is still locked by this transaction (no
        savepoint).
        """
        values = {
            "delegation_id": delegation_id,
            "application_id": application_id,
            "category": category,
        }
        claimed = (await self._conn.execute(_claim(nomination=False), values)).one_or_none()
        return await self._outcome(claimed, delegation_id, application_id, category)

    async def claim_nomination_seat(
        self,
        *,
        delegation_id: UUID,
        meeting_id: UUID,
        application_id: UUID,
        category: str,
    ) -> tuple[Row, SeatClaim] | None:
        """The usual nomination, a seat claimed by one statement (the rule of `claim_seat`,
        atomically): the delegation as claimed from, and the claim. None, with nothing changed,
        when the delegation is not known, is of another meeting, withdrawn or full, or the
        nomination was decided already: the caller reads why."""
        values = {
            "delegation_id": delegation_id,
            "application_id": application_id,
            "category": category,
            "of_meeting": meeting_id,
        }
        claimed = (await self._conn.execute(_claim(nomination=True), values)).one_or_none()
        if claimed is None:
            return None
        return claimed, await self._outcome(claimed, delegation_id, application_id, category)

    async def _outcome(
        self, claimed, delegation_id: UUID, application_id: UUID, category: str
    ) -> SeatClaim:
        d, c = delegations, category_quotas
        if claimed is None:
            current = await self.get_delegation(delegation_id)
            assert current is not None
            withdrawn = current.status == DelegationStatus.WITHDRAWN
            return SeatClaim(False, withdrawn, current.quota, current.quota_used)
        if claimed.category_used is None:
            await self._conn.execute(
                update(d).where(d.c.id == delegation_id).values(quota_used=d.c.quota_used - 1)
            )
            full = (
                await self._conn.execute(
                    select(c.c.quota, c.c.used).where(
                        c.c.delegation_id == delegation_id, c.c.category == category
                    )
                )
            ).one()
            return SeatClaim(False, False, full.quota, full.used, category_full=True)
        if claimed.seat is None:
            raise RuntimeError(f"application {application_id} already holds a seat")
        return SeatClaim(True, False, claimed.quota, claimed.quota_used)

    async def standing_of(
        self, delegation_ids: Iterable[UUID]
    ) -> tuple[dict[UUID, Standing], dict[tuple[UUID, str], tuple[int | None, int]]]:
        """Delegations' totals and category quotas as they stand, their rows locked (in one
        order) until the transaction ends; a delegation not known is not there."""
        ids = sorted(set(delegation_ids))
        standing = {
            row.id: Standing(
                meeting_id=row.meeting_id,
                active=row.status == DelegationStatus.ACTIVE.value,
                quota=row.quota,
                used=row.quota_used,
            )
            for row in await self._conn.execute(_LOCK_STANDING, {"ids": ids})
        }
        categories = {
            (row.delegation_id, row.category): (row.quota, row.used)
            for row in await self._conn.execute(_CATEGORY_STANDING, {"ids": ids})
        }
        return standing, categories

    async def take_seats(self, claims: list[tuple[UUID, UUID, str]]) -> None:
        """Seats (application, delegation, category) taken together, each counted in its total
        and its category, in one statement; the caller has checked, under `standing_of`'s
        locks, that every one fits."""
        application_ids, delegation_ids, categories = (list(c) for c in zip(*claims, strict=True))
        await self._conn.execute(
            _TAKE_SEATS,
            {
                "application_ids": application_ids,
                "delegation_ids": delegation_ids,
                "categories": categories,
            },
        )

    async def release_seat(self, *, application_id: UUID, reason: str) -> Row | None:
        """Free an accepted nomination's seat (total and category) once; None when none is
        held."""
        s, d, c = seats, delegations, category_quotas
        seat = (
            await self._conn.execute(
                update(s)
                .where(s.c.application_id == application_id, s.c.released_at.is_(None))
                .values(released_at=func.now(), release_reason=reason)
                .returning(s.c.delegation_id, s.c.category)
            )
        ).one_or_none()
        if seat is None:
            return None
        await self._conn.execute(
            update(d).where(d.c.id == seat.delegation_id).values(quota_used=d.c.quota_used - 1)
        )
        await self._conn.execute(
            update(c)
            .where(c.c.delegation_id == seat.delegation_id, c.c.category == seat.category)
            .values(used=c.c.used - 1)
        )
        return seat


@functools.cache
def _claim(*, nomination: bool):
    """One statement, built once: a seat of the total (for a nomination, only in its meeting
    and while undecided), then of the category, then the seat row. The delegation's columns
    come back, with `category_used` (None when the category was full) and `seat` (None when
    the application already held one)."""
    d, c = delegations, category_quotas
    delegation_id = bindparam("delegation_id", type_=Uuid())
    application_id = bindparam("application_id", type_=Uuid())
    category = bindparam("category", type_=String())
    only_if = []
    if nomination:
        decided = select(nominations.c.application_id).where(
            nominations.c.application_id == application_id
        )
        # (no parameter is named after a column of the updated table: SQLAlchemy would take it
        # for a value to SET)
        only_if = [d.c.meeting_id == bindparam("of_meeting", type_=Uuid()), ~decided.exists()]
    total = (
        update(d)
        .where(
            d.c.id == delegation_id,
            d.c.status == DelegationStatus.ACTIVE.value,
            d.c.quota_used < d.c.quota,
            *only_if,
        )
        .values(quota_used=d.c.quota_used + 1)
        .returning(*d.c)
        .cte("total")
    )
    counted = (
        insert(c)
        .from_select(
            [c.c.delegation_id, c.c.category, c.c.used],
            select(delegation_id, category, literal(1, Integer())).select_from(total),
        )
        .on_conflict_do_update(
            index_elements=[c.c.delegation_id, c.c.category],
            set_={"used": c.c.used + 1},
            where=or_(c.c.quota.is_(None), c.c.used < c.c.quota),
        )
        .returning(c.c.used)
        .cte("counted")
    )
    # a seat released when the nominee changed category is taken again; a held one never twice
    taken = (
        insert(seats)
        .from_select(
            [seats.c.application_id, seats.c.delegation_id, seats.c.category],
            select(application_id, delegation_id, category).select_from(counted),
        )
        .on_conflict_do_update(
            index_elements=[seats.c.application_id],
            set_={
                "delegation_id": delegation_id,
                "category": category,
                "released_at": None,
                "release_reason": None,
            },
            where=seats.c.released_at.is_not(None),
        )
        .returning(seats.c.application_id)
        .cte("taken")
    )
    return select(
        total, counted.c.used.label("category_used"), taken.c.application_id.label("seat")
    ).select_from(total.outerjoin(counted, true()).outerjoin(taken, true()))


_IDS = bindparam("ids", type_=ARRAY(Uuid()))
_LOCK_STANDING = (
    select(
        delegations.c.id,
        delegations.c.meeting_id,
        delegations.c.status,
        delegations.c.quota,
        delegations.c.quota_used,
    )
    .where(delegations.c.id == any_(_IDS))
    .order_by(delegations.c.id)  # one order for every such lock: no deadlock between them
    .with_for_update()
)
_CATEGORY_STANDING = (
    select(category_quotas).where(category_quotas.c.delegation_id == any_(_IDS)).with_for_update()
)

_TAKE_SEATS = text(
    """
    WITH given AS (
        SELECT * FROM unnest(
            CAST(:application_ids AS uuid[]),
            CAST(:delegation_ids AS uuid[]),
            CAST(:categories AS varchar[])
        ) AS g(application_id, delegation_id, category)
    ), totals AS (
        UPDATE delegations AS d SET quota_used = d.quota_used + w.k
        FROM (SELECT delegation_id, count(*)::int AS k FROM given GROUP BY delegation_id) AS w
        WHERE d.id = w.delegation_id
        RETURNING d.id
    ), counted AS (
        INSERT INTO category_quotas (delegation_id, category, used)
        SELECT delegation_id, category, count(*)::int FROM given GROUP BY delegation_id, category
        ON CONFLICT (delegation_id, category)
        DO UPDATE SET used = category_quotas.used + EXCLUDED.used
        RETURNING delegation_id
    )
    INSERT INTO seats (application_id, delegation_id, category)
    SELECT application_id, delegation_id, category FROM given
    """
)
