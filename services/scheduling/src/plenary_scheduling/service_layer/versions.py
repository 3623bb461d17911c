"""Schedule versions: publishing freezes the timetable; a changelog compares two versions."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from plenary_scheduling.domain.model import changelog, snapshot_entry
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import NotFound
from plenary_shared.events.scheduling import SchedulePublished, SessionChange

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


async def snapshot(repo: Repository, meeting_id: uuid.UUID) -> list[dict]:
    """The meeting's timetable as it stands, cancelled sessions included."""
    rows = await repo.timetable(meeting_id)
    return [snapshot_entry(r, room=r.room) for r in rows]


async def publish(
    uow: UnitOfWork[Repository], *, meeting_id: uuid.UUID, note: str, actor: str
) -> int:
    """Freeze the timetable as the next version and announce what changed since the last."""
    if not await uow.repo.lock_meeting(meeting_id):
        raise NotFound(f"meeting {meeting_id} does not exist")
    last = await uow.repo.last_version(meeting_id)
    number = (last or 0) + 1
    frozen = await snapshot(uow.repo, meeting_id)
    previous = await uow.repo.get_version(meeting_id, last) if last else None
    before = previous.snapshot if previous is not None else []
    await uow.repo.add_version(
        uuid.uuid4(),
        meeting_id=meeting_id,
        number=number,
        note=note,
        snapshot=frozen,
        published_by=actor,
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
    repo: Repository, *, meeting_id: uuid.UUID, from_version: int, to_version: int | None
) -> list[dict]:
    """The changes from one version to another, or to the current timetable."""
    start = await repo.get_version(meeting_id, from_version)
    if start is None:
        raise NotFound(f"version {from_version} of meeting {meeting_id} was not published")
    if to_version is None:
        end = await snapshot(repo, meeting_id)
    else:
        found = await repo.get_version(meeting_id, to_version)
        if found is None:
            raise NotFound(f"version {to_version} of meeting {meeting_id} was not published")
        end = found.snapshot
    return changelog(start.snapshot, end)
