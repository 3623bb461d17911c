"""Meetings, their venues and rooms, and the schedule versions published of them."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.exc import IntegrityError

from plenary_scheduling.adapters import lookups
from plenary_scheduling.adapters.repository.base import Rows
from plenary_scheduling.adapters.tables import (
    meetings,
    rooms,
    schedule_versions,
    sessions,
    venues,
)


class MeetingRows(Rows):
    """Meetings, venues, rooms and schedule versions."""

    async def get_meeting(self, meeting_id: UUID) -> Row | None:
        """One meeting, or None."""
        return await lookups.get_meeting(self._conn, meeting_id)

    async def add_meeting(self, meeting_id: UUID, *, created_by: str, **values) -> None:
        """Record a new meeting."""
        await self._conn.execute(
            meetings.insert().values(id=meeting_id, created_by=created_by, **values)
        )

    async def get_venue(self, venue_id: UUID) -> Row | None:
        """One venue, or None."""
        return await lookups.get_venue(self._conn, venue_id)

    async def add_venue(self, venue_id: UUID, *, meeting_id: UUID, **values) -> bool:
        """Record a venue; False (nothing written) if the meeting has one of that name."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    venues.insert().values(id=venue_id, meeting_id=meeting_id, **values)
                )
        except IntegrityError:
            return False
        return True

    async def get_room(self, room_id: UUID, *, lock: bool = False) -> Row | None:
        """One room with its venue's name and time zone, or None."""
        return await lookups.get_room(self._conn, room_id, lock=lock)

    async def add_room(self, room_id: UUID, *, venue_id: UUID, meeting_id: UUID, **values) -> bool:
        """Record a room; False (nothing written) if the venue has one of that name."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    rooms.insert().values(
                        id=room_id, venue_id=venue_id, meeting_id=meeting_id, **values
                    )
                )
        except IntegrityError:
            return False
        return True

    async def bilateral_rooms(self, meeting_id: UUID) -> list[UUID]:
        """The rooms of a meeting set aside for bilaterals, by name."""
        return list(
            (
                await self._conn.execute(
                    select(rooms.c.id)
                    .where(rooms.c.meeting_id == meeting_id, rooms.c.bilateral.is_(True))
                    .order_by(rooms.c.name, rooms.c.id)
                )
            )
            .scalars()
            .all()
        )

    async def lock_meeting(self, meeting_id: UUID) -> bool:
        """Lock a meeting's row (one publication at a time); False if there is no such meeting."""
        locked = await self._conn.execute(
            select(meetings.c.id).where(meetings.c.id == meeting_id).with_for_update()
        )
        return locked.one_or_none() is not None

    async def last_version(self, meeting_id: UUID) -> int | None:
        """The number of a meeting's latest published version, None before the first."""
        v = schedule_versions
        return await self._conn.scalar(
            select(func.max(v.c.number)).where(v.c.meeting_id == meeting_id)
        )

    async def get_version(self, meeting_id: UUID, number: int) -> Row | None:
        """One published version with its snapshot."""
        return await lookups.get_version(self._conn, meeting_id, number)

    async def add_version(self, version_id: UUID, **values) -> None:
        """Record a published version."""
        await self._conn.execute(schedule_versions.insert().values(id=version_id, **values))

    async def timetable(self, meeting_id: UUID) -> list[Row]:
        """Every session of a meeting with room and venue, cancelled ones too, in time order."""
        return await lookups.all_sessions(self._conn, where=[sessions.c.meeting_id == meeting_id])
