"""Schedule versions: publishing freezes the timetable; a changelog compares two versions."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters import repository
from plenary_scheduling.adapters.tables import meetings, schedule_versions, sessions
from plenary_scheduling.domain.model import changelog, snapshot_entry
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import NotFound
from plenary_shared.events.scheduling import SchedulePublished, SessionChange


async def snapshot(conn: AsyncConnection, meeting_id: uuid.UUID) -> list[dict]:
    """The meeting's timetable as it stands, cancelled sessions included."""
    rows = await repository.all_sessions(conn, where=[sessions.c.meeting_id == meeting_id])
    return [snapshot_entry(r, room=r.room) for r in rows]


async def publish(uow: UnitOfWork, *, meeting_id: uuid.UUID, note: str, actor: str) -> int:
    """Freeze the timetable as the next version and announce what changed since the last."""
    locked = await uow.conn.execute(
        select(meetings.c.id).where(meetings.c.id == meeting_id).with_for_update()
    )
    if locked.one_or_none() is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    v = schedule_versions
    last = await uow.conn.scalar(select(func.max(v.c.number)).where(v.c.meeting_id == meeting_id))
    number = (last or 0) + 1
    frozen = await snapshot(uow.conn, meeting_id)
    before = (await repository.get_version(uow.conn, meeting_id, last)).snapshot if last else []
    await uow.conn.execute(
        v.insert().values(
            id=uuid.uuid4(),
            meeting_id=meeting_id,
            number=number,
            note=note,
            snapshot=frozen,
            published_by=actor,
        )
    )
    changes = [
        SessionChange(session_id=c["session"]["id"], title=c["session"]["title"], kinds=c["kinds"])
        for c in changelog(before, frozen)
    ]
    await uow.emit(
        SchedulePublished(
            meeting_id=meeting_id,
            version_number=number,
            sessions=sum(1 for s in frozen if s["status"] == "scheduled"),
            previous_version=last,
            changes=changes,
        ),
        subject=str(meeting_id),
    )
    uow.remember_result(number)
    await uow.commit()
    return number


async def compare(
    conn: AsyncConnection, *, meeting_id: uuid.UUID, from_version: int, to_version: int | None
) -> list[dict]:
    """The changes from one version to another, or to the current timetable."""
    start = await repository.get_version(conn, meeting_id, from_version)
    if start is None:
        raise NotFound(f"version {from_version} of meeting {meeting_id} was not published")
    if to_version is None:
        end = await snapshot(conn, meeting_id)
    else:
        found = await repository.get_version(conn, meeting_id, to_version)
        if found is None:
            raise NotFound(f"version {to_version} of meeting {meeting_id} was not published")
        end = found.snapshot
    return changelog(start.snapshot, end)
