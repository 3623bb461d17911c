"""Who attends a session and who waits for a seat in it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, delete, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from plenary_scheduling.adapters.lookups import LIVE
from plenary_scheduling.adapters.repository.base import Rows
from plenary_scheduling.adapters.tables import attendance, session_waiting, sessions

# what a deleted attendance row tells: enough to announce it and to free its seat
REMOVED = (attendance.c.session_id, attendance.c.application_id, attendance.c.delegation_id)


class AttendanceRows(Rows):
    """Attendance and session waiting lists."""

    async def attendees(self, session_id: UUID) -> list[UUID]:
        """The participants assigned to a session."""
        rows = await self._conn.execute(
            select(attendance.c.application_id).where(attendance.c.session_id == session_id)
        )
        return [r[0] for r in rows]

    async def delegation_use(self, session_id: UUID) -> dict[UUID, int]:
        """Seats each delegation uses in a session."""
        rows = await self._conn.execute(
            select(attendance.c.delegation_id, func.count())
            .where(attendance.c.session_id == session_id)
            .group_by(attendance.c.delegation_id)
        )
        return {r[0]: r[1] for r in rows}

    async def participant_overlaps(
        self,
        *,
        application_ids: list[UUID],
        session_id: UUID | None,
        starts_at: datetime,
        ends_at: datetime,
    ) -> list[Row]:
        """Live sessions at that time attended by these participants or the session's own attendees."""
        who = [attendance.c.application_id.in_(application_ids)] if application_ids else []
        if session_id is not None:
            own = select(attendance.c.application_id).where(attendance.c.session_id == session_id)
            who.append(attendance.c.application_id.in_(own))
        if not who:
            return []
        query = (
            select(
                attendance.c.application_id,
                sessions.c.id,
                sessions.c.title,
                sessions.c.starts_at,
                sessions.c.ends_at,
            )
            .select_from(attendance.join(sessions, sessions.c.id == attendance.c.session_id))
            .where(
                or_(*who),
                sessions.c.status == LIVE,
                sessions.c.starts_at < ends_at,
                sessions.c.ends_at > starts_at,
            )
            .order_by(sessions.c.starts_at, attendance.c.application_id)
        )
        if session_id is not None:
            query = query.where(sessions.c.id != session_id)
        return list((await self._conn.execute(query)).all())

    async def assign(self, rows: list[dict]) -> None:
        """Record attendance rows (one statement for all)."""
        await self._conn.execute(attendance.insert(), rows)

    async def unassign(self, session_id: UUID, application_id: UUID) -> list[Row]:
        """Take a participant off a session; the deleted row, if there was one."""
        return list(
            (
                await self._conn.execute(
                    delete(attendance)
                    .where(
                        attendance.c.session_id == session_id,
                        attendance.c.application_id == application_id,
                    )
                    .returning(*REMOVED)
                )
            ).all()
        )

    async def unassign_participant(self, application_id: UUID) -> list[Row]:
        """Take a participant off every session; the deleted rows."""
        return list(
            (
                await self._conn.execute(
                    delete(attendance)
                    .where(attendance.c.application_id == application_id)
                    .returning(*REMOVED)
                )
            ).all()
        )

    async def unassign_delegation(self, delegation_id: UUID) -> list[Row]:
        """Take a delegation's people off every session; the deleted rows."""
        return list(
            (
                await self._conn.execute(
                    delete(attendance)
                    .where(attendance.c.delegation_id == delegation_id)
                    .returning(*REMOVED)
                )
            ).all()
        )

    async def add_waiting(
        self,
        *,
        session_id: UUID,
        application_id: UUID,
        meeting_id: UUID,
        delegation_id: UUID,
        requested_by: str,
    ) -> bool:
        """Put a participant on a session's waiting list; False if already on it."""
        added = await self._conn.execute(
            pg_insert(session_waiting)
            .values(
                session_id=session_id,
                application_id=application_id,
                meeting_id=meeting_id,
                delegation_id=delegation_id,
                requested_by=requested_by,
            )
            .on_conflict_do_nothing()
        )
        return bool(added.rowcount)

    async def waiting_position(self, session_id: UUID, application_id: UUID) -> int:
        """A waiting participant's place in its delegation's line for a session (1 = next)."""
        w, mine = session_waiting, session_waiting.alias("mine")
        query = (
            select(func.count())
            .select_from(w.join(mine, (mine.c.session_id == w.c.session_id)))
            .where(
                mine.c.session_id == session_id,
                mine.c.application_id == application_id,
                w.c.delegation_id == mine.c.delegation_id,
                tuple_(w.c.waiting_since, w.c.application_id)
                <= tuple_(mine.c.waiting_since, mine.c.application_id),
            )
        )
        return int(await self._conn.scalar(query) or 0)

    async def waiting_line(self, session_id: UUID, delegation_id: UUID) -> list[Row]:
        """Who of a delegation waits for a seat in a session, first come first, locked."""
        w = session_waiting
        query = (
            select(w)
            .where(w.c.session_id == session_id, w.c.delegation_id == delegation_id)
            .order_by(w.c.waiting_since, w.c.application_id)
            .with_for_update()
        )
        return list((await self._conn.execute(query)).all())

    async def seat_waiting(
        self,
        *,
        session_id: UUID,
        application_id: UUID,
        meeting_id: UUID,
        delegation_id: UUID,
        assigned_by: str,
    ) -> None:
        """A waiting participant leaves the waiting list and takes a seat in the session."""
        await self._conn.execute(
            delete(session_waiting).where(
                session_waiting.c.session_id == session_id,
                session_waiting.c.application_id == application_id,
            )
        )
        await self._conn.execute(
            attendance.insert().values(
                session_id=session_id,
                application_id=application_id,
                meeting_id=meeting_id,
                delegation_id=delegation_id,
                assigned_by=assigned_by,
            )
        )

    async def stop_waiting(self, session_id: UUID, application_ids: list[UUID]) -> None:
        """Those given a seat in a session leave its waiting list."""
        w = session_waiting
        await self._conn.execute(
            delete(w).where(w.c.session_id == session_id, w.c.application_id.in_(application_ids))
        )

    async def leave_waiting_lists(
        self, *, application_id: UUID | None = None, delegation_id: UUID | None = None
    ) -> None:
        """A person (or a whole delegation) leaves every session's waiting list."""
        w = session_waiting
        where = (
            w.c.application_id == application_id
            if application_id
            else w.c.delegation_id == delegation_id
        )
        await self._conn.execute(delete(w).where(where))

    async def sessions_waiting_for(self, delegation_id: UUID) -> list[UUID]:
        """The sessions where someone of a delegation waits for a seat."""
        w = session_waiting
        rows = await self._conn.execute(
            select(w.c.session_id).where(w.c.delegation_id == delegation_id).distinct()
        )
        return sorted(r[0] for r in rows)
