"""Queries of the delegation schema."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_delegation.adapters.tables import (
    accommodations,
    category_quotas,
    delegations,
    focal_points,
    liaison_officers,
    meetings,
    movements,
    nominations,
    seats,
)
from plenary_delegation.domain.model import Decision, DelegationStatus, Direction, Standing


async def get_meeting(conn: AsyncConnection, meeting_id: UUID) -> Row | None:
    """A meeting from the projection, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def remember_meeting(conn: AsyncConnection, **values) -> None:
    """Add a meeting to the projection (from an event or from asking scheduling)."""
    await conn.execute(insert(meetings).values(**values).on_conflict_do_nothing())


async def get_delegation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """One delegation, or None."""
    query = select(delegations).where(delegations.c.id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def delegation_deciding(
    conn: AsyncConnection, delegation_id: UUID, application_id: UUID
) -> Row | None:
    """A delegation, or None, with `decided`: whether this application's nomination already
    was decided (one statement for both)."""
    decided = (
        select(nominations.c.application_id)
        .where(nominations.c.application_id == application_id)
        .exists()
        .label("decided")
    )
    query = select(delegations, decided).where(delegations.c.id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def lock_delegation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """One delegation, locked until the transaction ends (seat claims queue behind it)."""
    query = select(delegations).where(delegations.c.id == delegation_id).with_for_update()
    return (await conn.execute(query)).one_or_none()


async def list_delegations(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    only: UUID | None,
    kind: str | None = None,
    status: str | None = None,
) -> list[Row]:
    """Every delegation of a meeting matching the filters (a meeting has a few hundred at most)."""
    where = [delegations.c.meeting_id == meeting_id]
    if only is not None:
        where.append(delegations.c.id == only)
    if kind is not None:
        where.append(delegations.c.kind == kind)
    if status is not None:
        where.append(delegations.c.status == status)
    return list((await conn.execute(select(delegations).where(*where))).all())


async def category_counters(
    conn: AsyncConnection, delegation_ids: Iterable[UUID]
) -> dict[UUID, list[Row]]:
    """The per-category quota and use of each delegation."""
    ids = list(delegation_ids)
    found: dict[UUID, list[Row]] = {i: [] for i in ids}
    if not ids:
        return found
    c = category_quotas
    rows = (
        await conn.execute(select(c).where(c.c.delegation_id.in_(ids)).order_by(c.c.category))
    ).all()
    for row in rows:
        found[row.delegation_id].append(row)
    return found


async def lock_category_counters(conn: AsyncConnection, delegation_id: UUID) -> dict[str, Row]:
    """A delegation's per-category counters, locked until the transaction ends."""
    c = category_quotas
    rows = (
        await conn.execute(select(c).where(c.c.delegation_id == delegation_id).with_for_update())
    ).all()
    return {row.category: row for row in rows}


async def set_category_quota(
    conn: AsyncConnection, *, delegation_id: UUID, category: str, quota: int | None
) -> None:
    """Set (or, with None, lift) one category's quota, keeping its use."""
    c = category_quotas
    await conn.execute(
        insert(c)
        .values(delegation_id=delegation_id, category=category, quota=quota, used=0)
        .on_conflict_do_update(
            index_elements=[c.c.delegation_id, c.c.category], set_={"quota": quota}
        )
    )


@dataclass(frozen=True)
class SeatClaim:
    """The outcome of claiming a seat: taken, or why not, with the limit that applied."""

    taken: bool
    withdrawn: bool
    quota: int
    used: int
    category_full: bool = False


async def claim_seat(
    conn: AsyncConnection, *, delegation_id: UUID, application_id: UUID, category: str
) -> SeatClaim:
    """Take one seat of the total and of the category quota together, or neither.

    Both counters are claimed by conditional writes in one statement, the delegation row first
    so concurrent claims queue on it, and a taken seat is recorded in `seats`. When the
    category is full the total claim is given back while the row is still locked by this
    transaction (no savepoint).
    """
    values = {
        "delegation_id": delegation_id,
        "application_id": application_id,
        "category": category,
    }
    claimed = (await conn.execute(_claim(nomination=False), values)).one_or_none()
    return await _outcome(conn, claimed, delegation_id, application_id, category)


async def claim_nomination_seat(
    conn: AsyncConnection,
    *,
    delegation_id: UUID,
    meeting_id: UUID,
    application_id: UUID,
    category: str,
) -> tuple[Row, SeatClaim] | None:
    """The usual nomination, a seat claimed by one statement: the delegation as claimed from,
    and the claim. None, with nothing changed, when the delegation is not known, is of another
    meeting, withdrawn or full, or the nomination was decided already: the caller reads why."""
    values = {
        "delegation_id": delegation_id,
        "application_id": application_id,
        "category": category,
        "of_meeting": meeting_id,
    }
    claimed = (await conn.execute(_claim(nomination=True), values)).one_or_none()
    if claimed is None:
        return None
    return claimed, await _outcome(conn, claimed, delegation_id, application_id, category)


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


async def _outcome(
    conn: AsyncConnection, claimed, delegation_id: UUID, application_id: UUID, category: str
) -> SeatClaim:
    d, c = delegations, category_quotas
    if claimed is None:
        current = await get_delegation(conn, delegation_id)
        assert current is not None
        withdrawn = current.status == DelegationStatus.WITHDRAWN
        return SeatClaim(False, withdrawn, current.quota, current.quota_used)
    if claimed.category_used is None:
        await conn.execute(
            update(d).where(d.c.id == delegation_id).values(quota_used=d.c.quota_used - 1)
        )
        full = (
            await conn.execute(
                select(c.c.quota, c.c.used).where(
                    c.c.delegation_id == delegation_id, c.c.category == category
                )
            )
        ).one()
        return SeatClaim(False, False, full.quota, full.used, category_full=True)
    if claimed.seat is None:
        raise RuntimeError(f"application {application_id} already holds a seat")
    return SeatClaim(True, False, claimed.quota, claimed.quota_used)


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
_DECIDED_OR_SEATED = (
    select(nominations.c.application_id)
    .where(nominations.c.application_id == any_(_IDS))
    .union(select(seats.c.application_id).where(seats.c.application_id == any_(_IDS)))
)


async def standing_of(
    conn: AsyncConnection, delegation_ids: Iterable[UUID]
) -> tuple[dict[UUID, Standing], dict[tuple[UUID, str], tuple[int | None, int]]]:
    """Delegations' totals and category quotas as they stand, their rows locked (in one order)
    until the transaction ends; a delegation not known is not there."""
    ids = sorted(set(delegation_ids))
    standing = {
        row.id: Standing(
            meeting_id=row.meeting_id,
            active=row.status == DelegationStatus.ACTIVE.value,
            quota=row.quota,
            used=row.quota_used,
        )
        for row in await conn.execute(_LOCK_STANDING, {"ids": ids})
    }
    categories = {
        (row.delegation_id, row.category): (row.quota, row.used)
        for row in await conn.execute(_CATEGORY_STANDING, {"ids": ids})
    }
    return standing, categories


async def decided_or_seated(conn: AsyncConnection, application_ids: list[UUID]) -> set[UUID]:
    """Those of these applications with a decision or a seat (held or released) already."""
    return set(await conn.scalars(_DECIDED_OR_SEATED, {"ids": application_ids}))


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


async def take_seats(conn: AsyncConnection, claims: list[tuple[UUID, UUID, str]]) -> None:
    """Seats (application, delegation, category) taken together, each counted in its total
    and its category, in one statement; the caller has checked, under `standing_of`'s locks,
    that every one fits."""
    application_ids, delegation_ids, categories = (list(c) for c in zip(*claims, strict=True))
    await conn.execute(
        _TAKE_SEATS,
        {
            "application_ids": application_ids,
            "delegation_ids": delegation_ids,
            "categories": categories,
        },
    )


@functools.cache
def _record_nomination(*, waiting: bool):
    """A nomination's decision row, built once per kind (a waiting one is stamped with the
    time it joined the line); each nomination only binds its values."""
    n = nominations
    return n.insert().values(
        application_id=bindparam("application_id"),
        delegation_id=bindparam("of_delegation"),
        meeting_id=bindparam("of_meeting"),
        category=bindparam("of_category"),
        decision=bindparam("decision"),
        reason=bindparam("reason"),
        waitlist=bindparam("waitlist"),
        waitlisted_at=func.clock_timestamp() if waiting else None,
    )


async def record_acceptances(
    conn: AsyncConnection, accepted: list[tuple[UUID, UUID, UUID, str, bool | None]]
) -> None:
    """Accepted nominations (application, delegation, meeting, category, waitlist choice),
    written in one round trip."""
    await conn.execute(
        _record_nomination(waiting=False),
        [_nomination_values(*row[:4], Decision.ACCEPTED.value, None, row[4]) for row in accepted],
    )


def _nomination_values(
    application_id: UUID,
    delegation_id: UUID,
    meeting_id: UUID,
    category: str,
    decision: str,
    reason: str | None,
    waitlist: bool | None,
) -> dict:
    return {
        "application_id": application_id,
        "of_delegation": delegation_id,
        "of_meeting": meeting_id,
        "of_category": category,
        "decision": decision,
        "reason": reason,
        "waitlist": waitlist,
    }


async def record_nomination(
    conn: AsyncConnection,
    *,
    application_id: UUID,
    delegation_id: UUID,
    meeting_id: UUID,
    category: str,
    decision: str,
    reason: str | None,
    waitlist: bool | None,
    waiting: bool,
) -> None:
    """Write how a nomination was decided."""
    values = _nomination_values(
        application_id, delegation_id, meeting_id, category, decision, reason, waitlist
    )
    await conn.execute(_record_nomination(waiting=waiting), values)


async def release_seat(conn: AsyncConnection, *, application_id: UUID, reason: str) -> Row | None:
    """Free an accepted nomination's seat (total and category) once; None when none is held."""
    s, d, c = seats, delegations, category_quotas
    seat = (
        await conn.execute(
            update(s)
            .where(s.c.application_id == application_id, s.c.released_at.is_(None))
            .values(released_at=func.now(), release_reason=reason)
            .returning(s.c.delegation_id, s.c.category)
        )
    ).one_or_none()
    if seat is None:
        return None
    await conn.execute(
        update(d).where(d.c.id == seat.delegation_id).values(quota_used=d.c.quota_used - 1)
    )
    await conn.execute(
        update(c)
        .where(c.c.delegation_id == seat.delegation_id, c.c.category == seat.category)
        .values(used=c.c.used - 1)
    )
    return seat


async def get_focal_point(conn: AsyncConnection, focal_point_id: UUID) -> Row | None:
    """One focal point assignment, or None."""
    query = select(focal_points).where(focal_points.c.id == focal_point_id)
    return (await conn.execute(query)).one_or_none()


async def active_focal_point(
    conn: AsyncConnection, *, delegation_id: UUID, email: str
) -> Row | None:
    """The delegation's current focal point with this e-mail, or None."""
    f = focal_points
    query = select(f).where(
        f.c.delegation_id == delegation_id, f.c.email == email, f.c.revoked_at.is_(None)
    )
    return (await conn.execute(query)).one_or_none()


async def list_focal_points(
    conn: AsyncConnection, delegation_id: UUID, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A delegation's current focal points, in the order they were assigned."""
    f = focal_points
    where = [f.c.delegation_id == delegation_id, f.c.revoked_at.is_(None)]
    total = await conn.scalar(select(func.count()).select_from(f).where(*where))
    rows = (
        await conn.execute(
            select(f).where(*where).order_by(f.c.assigned_at, f.c.id).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def revoke_focal_point(
    conn: AsyncConnection, *, focal_point_id: UUID, delegation_id: UUID, actor: str
) -> Row | None:
    """End a current assignment; None when there is no such current focal point."""
    f = focal_points
    return (
        await conn.execute(
            update(f)
            .where(
                f.c.id == focal_point_id,
                f.c.delegation_id == delegation_id,
                f.c.revoked_at.is_(None),
            )
            .values(revoked_at=func.now(), revoked_by=actor)
            .returning(f)
        )
    ).one_or_none()


def _movements_with_zone():
    """Movements joined with their meeting's time zone and their delegation's names."""
    m, d, mt = movements, delegations, meetings
    return (
        select(
            m,
            mt.c.timezone,
            d.c.name.label("delegation_name"),
            d.c.country_code,
        )
        .join(mt, mt.c.id == m.c.meeting_id)
        .join(d, d.c.id == m.c.delegation_id)
    )


async def get_movement(conn: AsyncConnection, movement_id: UUID) -> Row | None:
    """One movement with its time zone, or None."""
    query = _movements_with_zone().where(movements.c.id == movement_id)
    return (await conn.execute(query)).one_or_none()


async def list_movements(
    conn: AsyncConnection,
    delegation_id: UUID,
    *,
    direction: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A delegation's arrivals and departures in time order."""
    m = movements
    where = [m.c.delegation_id == delegation_id]
    if direction is not None:
        where.append(m.c.direction == direction)
    total = await conn.scalar(select(func.count()).select_from(m).where(*where))
    rows = (
        await conn.execute(
            _movements_with_zone()
            .where(*where)
            .order_by(m.c.scheduled_at, m.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_arrivals(
    conn: AsyncConnection,
    meeting_id: UUID,
    *,
    start: datetime,
    end: datetime,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """Arrivals of a meeting's active delegations between two UTC moments, in time order."""
    m, d = movements, delegations
    where = [
        m.c.meeting_id == meeting_id,
        m.c.direction == Direction.ARRIVAL.value,
        m.c.scheduled_at >= start,
        m.c.scheduled_at < end,
        d.c.status == DelegationStatus.ACTIVE.value,
    ]
    total = await conn.scalar(
        select(func.count()).select_from(m.join(d, d.c.id == m.c.delegation_id)).where(*where)
    )
    rows = (
        await conn.execute(
            _movements_with_zone()
            .where(*where)
            .order_by(m.c.scheduled_at, d.c.name, m.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def put_accommodation(conn: AsyncConnection, *, delegation_id: UUID, **values) -> None:
    """Set a delegation's hotel and room block."""
    a = accommodations
    await conn.execute(
        insert(a)
        .values(delegation_id=delegation_id, **values)
        .on_conflict_do_update(
            index_elements=[a.c.delegation_id], set_={**values, "updated_at": func.now()}
        )
    )


async def get_accommodation(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """A delegation's hotel and room block, or None."""
    query = select(accommodations).where(accommodations.c.delegation_id == delegation_id)
    return (await conn.execute(query)).one_or_none()


async def put_liaison(conn: AsyncConnection, *, delegation_id: UUID, **values) -> None:
    """Set a delegation's liaison officer."""
    lo = liaison_officers
    await conn.execute(
        insert(lo)
        .values(delegation_id=delegation_id, **values)
        .on_conflict_do_update(
            index_elements=[lo.c.delegation_id], set_={**values, "updated_at": func.now()}
        )
    )


async def get_liaison(conn: AsyncConnection, delegation_id: UUID) -> Row | None:
    """A delegation's liaison officer, or None."""
    query = select(liaison_officers).where(liaison_officers.c.delegation_id == delegation_id)
    return (await conn.execute(query)).one_or_none()


def _waiting(delegation_id: UUID, category: str | None = None):
    n = nominations
    where = [n.c.delegation_id == delegation_id, n.c.decision == Decision.WAITLISTED.value]
    if category is not None:
        where.append(n.c.category == category)
    return where


async def position_in_line(conn: AsyncConnection, application_id: UUID) -> int | None:
    """A waiting nomination's place in its category's line (1 = next), or None if not waiting."""
    n, mine = nominations, nominations.alias("mine")
    query = (
        select(func.count())
        .select_from(n.join(mine, mine.c.application_id == application_id))
        .where(
            mine.c.decision == Decision.WAITLISTED.value,
            *_waiting(mine.c.delegation_id, mine.c.category),
            tuple_(n.c.waitlisted_at, n.c.application_id)
            <= tuple_(mine.c.waitlisted_at, mine.c.application_id),
        )
    )
    found = await conn.scalar(query)
    return found or None


async def lock_waiting(conn: AsyncConnection, delegation_id: UUID) -> list[Row]:
    """A delegation's waiting nominations, first come first, locked until the transaction ends."""
    n = nominations
    query = (
        select(n)
        .where(*_waiting(delegation_id))
        .order_by(n.c.waitlisted_at, n.c.application_id)
        .with_for_update()
    )
    return list((await conn.execute(query)).all())


async def leave_waiting_list(conn: AsyncConnection, application_id: UUID) -> Row | None:
    """Take a waiting nomination off its list; None when it was not waiting."""
    n = nominations
    return (
        await conn.execute(
            update(n)
            .where(n.c.application_id == application_id, n.c.decision == Decision.WAITLISTED.value)
            .values(decision=Decision.LEFT_WAITING_LIST.value, reason="application_withdrawn")
            .returning(n.c.delegation_id, n.c.category)
        )
    ).one_or_none()


async def list_waiting(
    conn: AsyncConnection, delegation_id: UUID, *, category: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A delegation's waiting list in order, each entry with its place in its category's line."""
    n = nominations
    position = (
        func.row_number()
        .over(partition_by=n.c.category, order_by=(n.c.waitlisted_at, n.c.application_id))
        .label("position")
    )
    ranked = select(n, position).where(*_waiting(delegation_id)).subquery()
    where = [] if category is None else [ranked.c.category == category]
    total = await conn.scalar(select(func.count()).select_from(ranked).where(*where))
    rows = (
        await conn.execute(
            select(ranked)
            .where(*where)
            .order_by(ranked.c.waitlisted_at, ranked.c.application_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0
