"""What notification remembers of other services' events: meetings, participants, who attends
which session, focal points (for the e-mails about them)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, Uuid, and_, any_, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.tables import (
    attendance,
    email_preferences,
    focal_points,
    meetings,
    participants,
)


def _remember_participant_statement():
    """Built once: an upsert that takes every new value."""
    upsert = insert(participants)
    changed = {
        c.name: upsert.excluded[c.name] for c in participants.c if c.name != "application_id"
    }
    return upsert.on_conflict_do_update(
        index_elements=[participants.c.application_id], set_=changed
    )


_REMEMBER_PARTICIPANT = _remember_participant_statement()

_GET_MEETING = select(meetings).where(meetings.c.id == bindparam("meeting_id", type_=Uuid))

_GET_PARTICIPANT = select(participants).where(
    participants.c.application_id == bindparam("of_application", type_=Uuid)
)

_GET_PARTICIPANTS = select(participants).where(
    participants.c.application_id == any_(bindparam("of_applications", type_=ARRAY(Uuid)))
)


class ProjectionRows:
    """The projections, on the unit of work's connection."""

    _conn: AsyncConnection

    async def remember_meeting(
        self, meeting_id: UUID, *, title: str, city: str | None, timezone: str
    ) -> None:
        """A meeting's title and time zone (kept as first told)."""
        await self._conn.execute(
            insert(meetings)
            .values(id=meeting_id, title=title, city=city, timezone=timezone)
            .on_conflict_do_nothing()
        )

    async def remember_participants(self, rows: list[dict]) -> None:
        """Accredited participants (distinct), each with every new value, in one statement."""
        await self._conn.execute(_REMEMBER_PARTICIPANT, rows)

    async def add_attendance(
        self, *, session_id: UUID, application_id: UUID, delegation_id: UUID | None
    ) -> None:
        """Someone attends a session."""
        await self._conn.execute(
            insert(attendance)
            .values(
                session_id=session_id,
                application_id=application_id,
                delegation_id=delegation_id,
            )
            .on_conflict_do_nothing()
        )

    async def remove_attendance(self, *, session_id: UUID, application_id: UUID) -> None:
        """Someone no longer attends a session."""
        await self._conn.execute(
            delete(attendance).where(
                attendance.c.session_id == session_id,
                attendance.c.application_id == application_id,
            )
        )

    async def remember_focal_point(self, focal_point_id: UUID, values: dict) -> None:
        """A focal point, as now assigned."""
        await self._conn.execute(
            insert(focal_points)
            .values(id=focal_point_id, **values)
            .on_conflict_do_update(index_elements=[focal_points.c.id], set_=values)
        )

    async def revoke_focal_point(self, focal_point_id: UUID, *, at: datetime | None) -> None:
        """A focal point revoked at a moment."""
        await self._conn.execute(
            update(focal_points).where(focal_points.c.id == focal_point_id).values(revoked_at=at)
        )

    async def get_meeting(self, meeting_id: UUID | str) -> Row | None:
        """A meeting as notification knows it, or None."""
        found = await self._conn.execute(_GET_MEETING, {"meeting_id": UUID(str(meeting_id))})
        return found.one_or_none()

    async def meeting_and_focal_points(
        self, meeting_id: UUID | str, delegation_id: UUID | str
    ) -> tuple[str | None, list[Row]]:
        """A meeting's title (None when unknown) and a delegation's current focal points with
        their e-mail preferences, in one statement."""
        m, f, p = meetings, focal_points, email_preferences
        current = and_(f.c.delegation_id == UUID(str(delegation_id)), f.c.revoked_at.is_(None))
        query = (
            select(
                m.c.title,
                f.c.email,
                f.c.language,
                func.coalesce(p.c.decisions, "immediate").label("decisions"),
            )
            .select_from(m.outerjoin(f, current).outerjoin(p, p.c.email == f.c.email))
            .where(m.c.id == UUID(str(meeting_id)))
            .order_by(f.c.email)
        )
        rows = (await self._conn.execute(query)).all()
        if not rows:
            return None, []
        return rows[0].title, [r for r in rows if r.email is not None]

    async def focal_points_of(self, delegation_id: UUID | str) -> list[Row]:
        """The current focal points of a delegation, each with its e-mail preference."""
        f, p = focal_points, email_preferences
        query = (
            select(
                f.c.email,
                f.c.language,
                func.coalesce(p.c.decisions, "immediate").label("decisions"),
            )
            .select_from(f.outerjoin(p, p.c.email == f.c.email))
            .where(f.c.delegation_id == UUID(str(delegation_id)), f.c.revoked_at.is_(None))
            .order_by(f.c.email)
        )
        return list((await self._conn.execute(query)).all())

    async def attendees_of(self, session_id: UUID | str) -> list[Row]:
        """Who attends a session, with how to write to them (None while their accreditation is
        still on its way to notification)."""
        a, p = attendance, participants
        query = (
            select(a.c.application_id, p.c.email, p.c.language)
            .outerjoin(p, a.c.application_id == p.c.application_id)
            .where(a.c.session_id == UUID(str(session_id)))
            .order_by(p.c.email)
        )
        return list((await self._conn.execute(query)).all())

    async def get_participant(self, application_id: UUID | str) -> Row | None:
        """An accredited participant as notification knows it, or None."""
        found = await self._conn.execute(
            _GET_PARTICIPANT, {"of_application": UUID(str(application_id))}
        )
        return found.one_or_none()

    async def get_participants(self, application_ids: list[str]) -> dict[str, Row]:
        """Accredited participants as notification knows them, by application id (as text);
        one not known is not there."""
        found = await self._conn.execute(
            _GET_PARTICIPANTS, {"of_applications": [UUID(str(a)) for a in application_ids]}
        )
        return {str(row.application_id): row for row in found}
