"""Reads of the registration schema for the API and the workers: plain functions on a
connection, outside any unit of work (the use cases' reads and writes are `uow.repo`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, Row, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_registration.adapters.tables import (
    accounts,
    application_history,
    applications,
    badges,
    delegations,
    import_errors,
    imports,
    invitations,
    meetings,
)
from plenary_registration.domain.badges import BadgeStatus, VoidReason

# --- applications ------------------------------------------------------------------------------


async def get_application(conn: AsyncConnection, application_id: uuid.UUID) -> Row | None:
    """One application, or None."""
    query = select(applications).where(applications.c.id == application_id)
    return (await conn.execute(query)).one_or_none()


async def list_applications(
    conn: AsyncConnection,
    meeting_id: uuid.UUID,
    *,
    delegation_id: uuid.UUID | None,
    state: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A meeting's applications, newest first, filtered by delegation and state."""
    a = applications
    where = [a.c.meeting_id == meeting_id]
    if delegation_id is not None:
        where.append(a.c.delegation_id == delegation_id)
    if state is not None:
        where.append(a.c.state == state)
    total = await conn.scalar(select(func.count()).select_from(a).where(*where))
    rows = (
        await conn.execute(
            select(a)
            .where(*where)
            .order_by(a.c.created_at.desc(), a.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def history(conn: AsyncConnection, application_id: uuid.UUID) -> list[Row]:
    """The audit trail of an application, oldest first."""
    h = application_history
    query = select(h).where(h.c.application_id == application_id).order_by(h.c.id)
    return list((await conn.execute(query)).all())


async def participants(conn: AsyncConnection, meeting_id: uuid.UUID, state: str) -> list[Row]:
    """A meeting's applications in one state with their delegation's name, for the CSV export."""
    a, d = applications, delegations
    return list(
        (
            await conn.execute(
                select(a, d.c.name.label("delegation"))
                .join(d, d.c.id == a.c.delegation_id, isouter=True)
                .where(a.c.meeting_id == meeting_id, a.c.state == state)
                .order_by(d.c.name, a.c.family_name, a.c.given_name)
            )
        ).all()
    )


async def statistics(
    conn: AsyncConnection, meeting_id: uuid.UUID, delegation_id: uuid.UUID | None
) -> dict[str, dict[str, int]]:
    """How many applications of a meeting (or of one delegation in it) by state, category,
    nationality and delegation."""
    a = applications
    where = [a.c.meeting_id == meeting_id]
    if delegation_id is not None:
        where.append(a.c.delegation_id == delegation_id)
    counts = {}
    for name, column in (
        ("by_state", a.c.state),
        ("by_category", a.c.category),
        ("by_nationality", a.c.nationality),
        ("by_delegation", a.c.delegation_id),
    ):
        rows = await conn.execute(select(column, func.count()).where(*where).group_by(column))
        counts[name] = {str(key): n for key, n in rows.all()}
    return counts


# --- meetings and delegations ------------------------------------------------------------------


async def get_meeting(conn: AsyncConnection, meeting_id: uuid.UUID) -> Row | None:
    """A meeting from the projection, or None."""
    return (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).one_or_none()


async def meeting_title(conn: AsyncConnection, meeting_id: uuid.UUID) -> str | None:
    """A meeting's title from the meetings projection, if it knows the meeting."""
    return await conn.scalar(select(meetings.c.title).where(meetings.c.id == meeting_id))


async def delegation_name(conn: AsyncConnection, delegation_id: uuid.UUID) -> str | None:
    """A delegation's name from the projection."""
    return await conn.scalar(select(delegations.c.name).where(delegations.c.id == delegation_id))


async def meetings_not_purged(conn: AsyncConnection) -> list[Row]:
    """The meetings (id, ends_on) whose document data is not purged yet."""
    query = select(meetings.c.id, meetings.c.ends_on).where(
        meetings.c.documents_purged_at.is_(None)
    )
    return list((await conn.execute(query)).all())


# --- badges ------------------------------------------------------------------------------------


async def active_badge(conn: AsyncConnection, application_id: uuid.UUID) -> Row | None:
    """The badge that currently admits an application's holder, if any."""
    query = select(badges).where(
        badges.c.application_id == application_id, badges.c.status == BadgeStatus.ACTIVE.value
    )
    return (await conn.execute(query.order_by(badges.c.issued_at.desc()).limit(1))).first()


async def latest_badge(conn: AsyncConnection, application_id: uuid.UUID) -> Row | None:
    """The active badge of an application, else its most recent one (never one replaced)."""
    active_first = case((badges.c.status == BadgeStatus.ACTIVE.value, 0), else_=1)
    # issued_at is whole seconds: a badge re-issued in the second of its predecessor ties with it
    replaced_last = case((badges.c.void_reason == VoidReason.REPLACED.value, 1), else_=0)
    query = (
        select(badges)
        .where(badges.c.application_id == application_id)
        .order_by(active_first, replaced_last, badges.c.issued_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).first()


# --- imports -----------------------------------------------------------------------------------


async def get_import(conn: AsyncConnection, import_id: uuid.UUID) -> Row | None:
    """One import, or None."""
    return (await conn.execute(select(imports).where(imports.c.id == import_id))).one_or_none()


async def list_import_errors(
    conn: AsyncConnection, import_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """The lines of an import that were not nominated (line, reason), in file order; the total."""
    e = import_errors
    total = await conn.scalar(select(func.count()).select_from(e).where(e.c.import_id == import_id))
    rows = (
        await conn.execute(
            select(e.c.line, e.c.reason)
            .where(e.c.import_id == import_id)
            .order_by(e.c.line)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def next_lease_end(conn: AsyncConnection, now: datetime) -> datetime | None:
    """When the first lease of an import running elsewhere runs out, if any is running."""
    return await conn.scalar(
        select(func.min(imports.c.lease_until)).where(
            imports.c.status == "running", imports.c.lease_until > now
        )
    )


# --- accounts and invitations ------------------------------------------------------------------


async def list_invitations(
    conn: AsyncConnection,
    *,
    email: str | None,
    status: str | None,
    limit: int,
    offset: int,
    now: datetime,
    invitation_id: uuid.UUID | None = None,
) -> tuple[list[Row], int]:
    """Invitations, newest first, by e-mail address and status: who invited whom, and when."""
    i = invitations
    where = [i.c.email == email.lower()] if email else []
    where += [i.c.id == invitation_id] if invitation_id else []
    by_status: dict[str | None, list[ColumnElement[bool]]] = {
        None: [],
        "accepted": [i.c.accepted_at.is_not(None)],
        "revoked": [i.c.accepted_at.is_(None), i.c.revoked_at.is_not(None)],
        "expired": [i.c.accepted_at.is_(None), i.c.revoked_at.is_(None), i.c.expires_at <= now],
        "pending": [i.c.accepted_at.is_(None), i.c.revoked_at.is_(None), i.c.expires_at > now],
    }
    where += by_status[status]
    total = await conn.scalar(select(func.count()).select_from(i).where(*where))
    rows = (
        await conn.execute(
            select(i)
            .where(*where)
            .order_by(i.c.created_at.desc(), i.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), total or 0


async def list_accounts(
    conn: AsyncConnection, *, email: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    """Accounts by e-mail, with the total."""
    where = [accounts.c.email == email.lower()] if email else []
    total = await conn.scalar(select(func.count()).select_from(accounts).where(*where))
    rows = (
        await conn.execute(
            select(accounts).where(*where).order_by(accounts.c.email).limit(limit).offset(offset)
        )
    ).all()
    return list(rows), total or 0
