"""HTTP routes of schedule versions: publish the timetable, read a version, the changelog."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response, status

from plenary_scheduling.adapters import queries
from plenary_scheduling.adapters.repository import Repository
from plenary_scheduling.domain.commands import VersionCreate
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import ChangelogRead, ChangeRead, VersionRead
from plenary_scheduling.service_layer import versions
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["versions and bilaterals"])

Versions = Annotated[Grant, POLICY.allows("versions.read")]


def _public(entries: list[dict], grant: Grant) -> list[dict]:
    """Staff see every session of a version; others the public ones."""
    return entries if grant.everything else [e for e in entries if e["visibility"] == "public"]


@router.post(
    "/meetings/{meeting_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionRead,
)
async def publish_version(
    meeting_id: UUID,
    body: VersionCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("versions.publish")],
    response: Response,
) -> VersionRead:
    """Freeze the timetable as the next version (publishes `scheduling.schedule.published`)."""
    if earlier := await uow.earlier_result():
        number = int(earlier)
    else:
        async with uow:
            number = await versions.publish(
                uow, meeting_id=meeting_id, note=body.note, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/meetings/{meeting_id}/versions/{number}"
    return await get_version(meeting_id, number, rt, grant)


@router.get("/meetings/{meeting_id}/versions", response_model=Page[VersionRead])
async def list_versions(
    meeting_id: UUID, rt: RuntimeDep, _: Versions, page: PageDep
) -> Page[VersionRead]:
    """A meeting's published versions, newest first."""
    async with rt.engine.connect() as conn:
        if await queries.get_meeting(conn, meeting_id) is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        rows = await queries.versions(conn, meeting_id)
    chosen = rows[page.offset : page.offset + page.limit]
    items = [VersionRead.model_validate(r, from_attributes=True) for r in chosen]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get("/meetings/{meeting_id}/versions/{number}", response_model=VersionRead)
async def get_version(
    meeting_id: UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    rt: RuntimeDep,
    grant: Versions,
) -> VersionRead:
    """One published version with its frozen sessions (times in UTC)."""
    async with rt.engine.connect() as conn:
        row = await queries.get_version(conn, meeting_id, number)
    if row is None:
        raise NotFound(f"version {number} of meeting {meeting_id} was not published")
    return VersionRead(
        meeting_id=row.meeting_id,
        number=row.number,
        note=row.note,
        published_by=row.published_by,
        published_at=row.published_at,
        sessions=_public(row.snapshot, grant),
    )


@router.get("/meetings/{meeting_id}/changelog", response_model=ChangelogRead)
async def changelog(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Versions,
    from_: int = Query(alias="from", ge=1, le=1_000_000, description="the earlier version"),
    to: int | None = Query(
        None, ge=1, le=1_000_000, description="the later version; omit for the current timetable"
    ),
) -> ChangelogRead:
    """Sessions added, moved, re-roomed, retitled and cancelled between two versions (local times)."""
    async with rt.engine.connect() as conn:
        meeting = await queries.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        changes = await versions.compare(
            Repository(conn), meeting_id=meeting_id, from_version=from_, to_version=to
        )
    zone = ZoneInfo(meeting.timezone)

    def local(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value).astimezone(zone) if value else None

    items = []
    for c in changes:
        new, old = c["session"], c["previous"] or {}
        if not grant.everything and new["visibility"] != "public":
            continue
        items.append(
            ChangeRead(
                session_id=new["id"],
                title=new["title"],
                kinds=c["kinds"],
                room=new["room"],
                previous_room=old.get("room"),
                starts_at=local(new["starts_at"]),
                ends_at=local(new["ends_at"]),
                previous_starts_at=local(old.get("starts_at")),
                previous_ends_at=local(old.get("ends_at")),
            )
        )
    return ChangelogRead(
        meeting_id=meeting_id,
        from_version=from_,
        to_version=to,
        timezone=meeting.timezone,
        changes=items,
    )
