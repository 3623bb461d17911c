"""Sessions, their heads of delegation, and the timetable reads of the conflict check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from plenary_scheduling.adapters import lookups
from plenary_scheduling.adapters.lookups import LIVE
from plenary_scheduling.adapters.repository.base import Rows
from plenary_scheduling.adapters.tables import session_heads, sessions


class SessionRows(Rows):
    """Sessions and heads of delegation."""

    async def get_session(self, session_id: UUID, *, lock: bool = False) -> Row | None:
        """One session with room and venue, or None (its row locked if asked)."""
        return await lookups.get_session(self._conn, session_id, lock=lock)

    async def heads_of(self, session_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        """The delegations whose heads attend each session."""
        return await lookups.heads_of(self._conn, session_ids)

    async def add_session(
        self,
        session_id: UUID,
        *,
        meeting_id: UUID,
        title: str,
        titles: dict[str, str],
        session_format: str,
        room_id: UUID,
        starts_at: datetime,
        ends_at: datetime,
        visibility: str,
        bilateral_id: UUID | None,
        heads: list[UUID],
    ) -> None:
        """Record a session and its heads of delegation."""
        await self._conn.execute(
            sessions.insert().values(
                id=session_id,
                meeting_id=meeting_id,
                title=title,
                titles=titles,
                format=session_format,
                room_id=room_id,
                starts_at=starts_at,
                ends_at=ends_at,
                visibility=visibility,
                bilateral_id=bilateral_id,
            )
        )
        if heads:
            await self._conn.execute(
                session_heads.insert(),
                [{"session_id": session_id, "delegation_id": d} for d in heads],
            )

    async def change_session(
        self, session_id: UUID, *, updated_at: datetime | None = None, **values
    ) -> None:
        """Change a session's stored fields (moved, re-roomed, retitled, cancelled): its
        calendar sequence goes up by one."""
        await self._conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(
                **values,
                sequence=sessions.c.sequence + 1,
                updated_at=updated_at or datetime.now(UTC),
            )
        )

    async def add_heads(self, session_id: UUID, delegation_ids: list[UUID]) -> None:
        """Heads of delegation join a session (those already in it stay as they are)."""
        await self._conn.execute(
            pg_insert(session_heads)
            .values([{"session_id": session_id, "delegation_id": d} for d in delegation_ids])
            .on_conflict_do_nothing()
        )

    async def remove_head(self, session_id: UUID, delegation_id: UUID) -> bool:
        """A head of delegation leaves a session; False if it was not in it."""
        gone = await self._conn.execute(
            delete(session_heads).where(
                session_heads.c.session_id == session_id,
                session_heads.c.delegation_id == delegation_id,
            )
        )
        return bool(gone.rowcount)

    async def remove_heads_of(self, delegation_id: UUID) -> list[Row]:
        """A delegation's head leaves every session; the sessions it left (`session_id` rows)."""
        return list(
            (
                await self._conn.execute(
                    delete(session_heads)
                    .where(session_heads.c.delegation_id == delegation_id)
                    .returning(session_heads.c.session_id)
                )
            ).all()
        )

    async def room_bookings(
        self,
        *,
        room_id: UUID,
        starts_at: datetime,
        ends_at: datetime,
        changeover,
        exclude: UUID | None,
    ) -> list[Row]:
        """Live sessions in a room that overlap a time widened by the changeover."""
        query = select(
            sessions.c.id, sessions.c.title, sessions.c.starts_at, sessions.c.ends_at
        ).where(
            sessions.c.room_id == room_id,
            sessions.c.status == LIVE,
            sessions.c.starts_at < ends_at + changeover,
            sessions.c.ends_at > starts_at - changeover,
        )
        if exclude is not None:
            query = query.where(sessions.c.id != exclude)
        return list((await self._conn.execute(query.order_by(sessions.c.starts_at))).all())

    async def head_overlaps(
        self,
        *,
        delegation_ids: list[UUID],
        session_id: UUID | None,
        starts_at: datetime,
        ends_at: datetime,
    ) -> list[Row]:
        """Live sessions overlapping a time that these delegations' heads already attend."""
        if not delegation_ids:
            return []
        query = (
            select(
                session_heads.c.delegation_id,
                sessions.c.id,
                sessions.c.title,
                sessions.c.starts_at,
                sessions.c.ends_at,
            )
            .select_from(session_heads.join(sessions, sessions.c.id == session_heads.c.session_id))
            .where(
                session_heads.c.delegation_id.in_(delegation_ids),
                sessions.c.status == LIVE,
                sessions.c.starts_at < ends_at,
                sessions.c.ends_at > starts_at,
            )
            .order_by(sessions.c.starts_at)
        )
        if session_id is not None:
            query = query.where(sessions.c.id != session_id)
        return list((await self._conn.execute(query)).all())
