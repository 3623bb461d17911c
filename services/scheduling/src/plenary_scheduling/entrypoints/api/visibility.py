"""Who sees which sessions and participants: the read rules the session routes share."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters import queries
from plenary_scheduling.domain.model import Visibility
from plenary_scheduling.entrypoints.api.schemas import SessionRead
from plenary_shared.api import Page, PageParams
from plenary_shared.authz import Grant, Scope
from plenary_shared.errors import NotFound


async def session_page(
    conn: AsyncConnection,
    grant: Grant,
    page: PageParams,
    *,
    where: list,
    sort: str = "starts_at",
    lang: str | None = None,
) -> Page[SessionRead]:
    """One page of sessions as the caller may see them."""
    rows, total = await queries.list_sessions(
        conn, where=where, sort=sort, limit=page.limit, offset=page.offset
    )
    items = await render(conn, rows, grant, lang=lang)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


async def render(
    conn: AsyncConnection, rows: list, grant: Grant, *, lang: str | None = None
) -> list[SessionRead]:
    """Sessions as read models; a focal point sees only its own head, a participant none."""
    ids = [r.id for r in rows]
    heads = await queries.heads_of(conn, ids)
    if not grant.everything:
        heads = {i: [d for d in h if grant.reaches(d)] for i, h in heads.items()}
    counts = await queries.attendee_counts(conn, ids)
    return [
        SessionRead.from_row(r, heads=heads[r.id], attendees=counts.get(r.id, 0), lang=lang)
        for r in rows
    ]


def visibility_filters(grant: Grant) -> dict:
    """What a grant shows: everything, or public sessions and those of its delegation or its own."""
    if grant.everything:
        return {}
    if grant.scope is Scope.OWN_DELEGATION:
        return {"visible_to_delegation": grant.only_delegation}
    if grant.scope is Scope.OWN_APPLICATION:
        return {"visible_to_application": UUID(grant.principal.subject)}
    return {"public_only": True}


async def may_see(conn: AsyncConnection, grant: Grant, session) -> bool:
    """Whether a grant reaches one session."""
    if grant.everything or session.visibility == Visibility.PUBLIC:
        return True
    return await queries.sees_session(conn, session.id, **visibility_filters(grant))


def own_application(grant: Grant, application_id: UUID) -> bool:
    """A participant's grant for its own application (the token's subject)."""
    return grant.scope is Scope.OWN_APPLICATION and grant.principal.subject == str(application_id)


async def visible_session(conn: AsyncConnection, grant: Grant, session_id: UUID):
    row = await queries.get_session(conn, session_id)
    if row is None or not await may_see(conn, grant, row):
        raise NotFound(f"session {session_id} does not exist")
    return row


async def check_subject_filters(conn, grant: Grant, delegation_id, application_id) -> None:
    """A focal point filters by its own delegation or people only; a participant by itself."""
    if grant.everything:
        return
    if delegation_id is not None and not grant.reaches(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")
    if application_id is not None:
        await participant_visible(conn, grant, application_id)


async def participant_visible(conn, grant: Grant, application_id: UUID):
    """The participant, if the grant reaches their schedule."""
    person = await queries.get_participant(conn, application_id)
    allowed = person is not None and (
        grant.reaches(person.delegation_id) or own_application(grant, application_id)
    )
    if not allowed:
        raise NotFound(f"participant {application_id} does not exist")
    return person


async def listed_delegation(
    conn: AsyncConnection, grant: Grant, session_id: UUID, asked: UUID | None = None
) -> UUID | None:
    """Whose people in a session a grant may list: staff any (None: all), a focal point its own
    delegation's."""
    await visible_session(conn, grant, session_id)
    return asked if grant.everything else grant.only_delegation
