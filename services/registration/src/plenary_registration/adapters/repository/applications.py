"""Applications and their history, and the meetings and delegations they are checked against."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Row, String, Uuid, any_, bindparam, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.exc import IntegrityError

from plenary_registration.adapters.repository._rows import Rows
from plenary_registration.adapters.tables import (
    application_history,
    applications,
    delegations,
    imports,
    meetings,
)


class ApplicationRows(Rows):
    """registration.applications, application_history, and the meetings and delegations
    projections."""

    # --- meetings and delegations (projections) ----------------------------------------------

    async def meeting(self, meeting_id: UUID, *, for_update: bool = False) -> Row | None:
        """A meeting from the projection, or None; optionally locked (a purge)."""
        query = select(meetings).where(meetings.c.id == meeting_id)
        if for_update:
            query = query.with_for_update()
        return (await self._conn.execute(query)).one_or_none()

    async def remember_meeting(self, **values) -> None:
        """Add a meeting to the projection (from an event or from asking scheduling)."""
        await self._conn.execute(insert(meetings).values(**values).on_conflict_do_nothing())

    async def delegation(self, delegation_id: UUID) -> Row | None:
        """A delegation from the projection, or None."""
        query = select(delegations).where(delegations.c.id == delegation_id)
        return (await self._conn.execute(query)).one_or_none()

    async def remember_delegation(self, **values) -> None:
        """Add a delegation to the projection (from an event or from asking its owner)."""
        await self._conn.execute(insert(delegations).values(**values).on_conflict_do_nothing())

    async def meeting_with_delegation(self, meeting_id: UUID, delegation_id: UUID) -> Row | None:
        """A meeting from the projection with, as `delegation_meeting_id`, the meeting of the
        delegation (None when the delegation is not known); None when the meeting is not known."""
        values = {"meeting": meeting_id, "delegation": delegation_id}
        return (await self._conn.execute(_MEETING_WITH_DELEGATION, values)).one_or_none()

    async def purge_meeting_documents(self, meeting_id: UUID, *, now: datetime) -> int:
        """Erase a meeting's document data (applications not purged yet, import files) and mark
        the meeting purged; how many applications were purged."""
        a = applications
        purged = await self._conn.execute(
            update(a)
            .where(a.c.meeting_id == meeting_id, a.c.documents_purged_at.is_(None))
            .values(
                passport_number_enc=None,
                date_of_birth_enc=None,
                passport_expiry_enc=None,
                photo=None,
                photo_type=None,
                documents_purged_at=now,
            )
        )
        await self._conn.execute(
            update(imports).where(imports.c.meeting_id == meeting_id).values(content_enc=None)
        )
        await self._conn.execute(
            update(meetings).where(meetings.c.id == meeting_id).values(documents_purged_at=now)
        )
        return purged.rowcount

    # --- applications --------------------------------------------------------------------------

    async def application(self, application_id: UUID, *, for_update: bool = False) -> Row | None:
        """One application, or None; optionally locked for a state change."""
        query = select(applications).where(applications.c.id == application_id)
        if for_update:
            query = query.with_for_update()
        return (await self._conn.execute(query)).one_or_none()

    async def application_language(self, application_id: UUID) -> str | None:
        """The language an application's participant is written to in."""
        return await self._conn.scalar(
            select(applications.c.language).where(applications.c.id == application_id)
        )

    async def open_applications(self, delegation_id: UUID, *, exclude: frozenset) -> list[Row]:
        """A delegation's applications not in the excluded states, locked for a state change."""
        a = applications
        query = (
            select(a)
            .where(a.c.delegation_id == delegation_id, a.c.state.not_in([s.value for s in exclude]))
            .order_by(a.c.created_at)
            .with_for_update()
        )
        return list((await self._conn.execute(query)).all())

    async def add_application(self, *, actor: str, **values) -> Row | None:
        """Store a submitted application and its first history line in one statement; returns
        the stored row, or None when the person already applied for the meeting."""
        statement = _add_statement(tuple(sorted(values)))
        return (await self._conn.execute(statement, {**values, "by": actor})).one_or_none()

    async def change_application(self, application_id: UUID, changes: dict) -> bool:
        """Write corrected details (in a savepoint); False when the e-mail address is taken by
        another application of the meeting."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    applications.update()
                    .where(applications.c.id == application_id)
                    .values(**changes, updated_at=datetime.now(UTC))
                )
        except IntegrityError:
            return False
        return True

    async def set_vetting(self, application_id: UUID, *, vetting: str, note: str | None) -> None:
        """Record the security service's answer on an application."""
        await self._conn.execute(
            applications.update()
            .where(applications.c.id == application_id)
            .values(vetting=vetting, vetting_note=note, updated_at=datetime.now(UTC))
        )

    async def set_photo(self, application_id: UUID, *, data: bytes, kind: str) -> None:
        """Store an application's photo, replacing any earlier one."""
        await self._conn.execute(
            applications.update()
            .where(applications.c.id == application_id)
            .values(photo=data, photo_type=kind)
        )

    async def add_history(
        self, application_id: UUID, *, old: str | None, new: str, actor: str, reason: str | None
    ) -> None:
        """One line of an application's audit trail."""
        await self._conn.execute(
            application_history.insert().values(
                application_id=application_id,
                from_state=old,
                to_state=new,
                actor=actor,
                reason=reason,
            )
        )

    async def move_application(
        self, application_id: UUID, *, old: str, new: str, actor: str, reason: str | None
    ) -> None:
        """Change an application's state and write the history line, in one statement."""
        a = applications
        moved = (
            update(a)
            .where(a.c.id == application_id)
            .values(state=new, reason=reason, updated_at=datetime.now(UTC))
            .returning(a.c.id)
            .cte("moved")
        )
        await self._conn.execute(_history(moved, old=old, new=new, actor=actor, reason=reason))

    async def move_many(
        self,
        decided: list[tuple[UUID, str, str | None]],
        *,
        sources: list[str],
        new: str,
        actor: str,
    ) -> list[Row]:
        """Applications (distinct) moved from one of `sources` to `new`, each (id, category,
        reason) with its history line, in one statement; returns those moved (`previous`: the
        state each left), leaving alone any not of that category or in no such state."""
        if not decided:
            return []
        ids, categories, reasons = (list(column) for column in zip(*decided, strict=True))
        values = {
            "ids": ids,
            "categories": categories,
            "reasons": reasons,
            "sources": sources,
            "new": new,
            "actor": actor,
            "now": datetime.now(UTC),
        }
        return list((await self._conn.execute(_MOVE_MANY, values)).all())


def _meeting_with_delegation():
    d, m = delegations, meetings
    return (
        select(m, d.c.meeting_id.label("delegation_meeting_id"))
        .select_from(m.outerjoin(d, d.c.id == bindparam("delegation", type_=Uuid())))
        .where(m.c.id == bindparam("meeting", type_=Uuid()))
    )


_MEETING_WITH_DELEGATION = _meeting_with_delegation()


def _history(moved, *, old: str | None, new: str, actor: str, reason: str | None):
    h = application_history
    return insert(h).from_select(
        [h.c.application_id, h.c.from_state, h.c.to_state, h.c.actor, h.c.reason],
        select(moved.c.id, *(literal(v, String()) for v in (old, new, actor, reason))),
    )


@functools.cache
def _add_statement(columns: tuple[str, ...]):
    """Built once per set of columns given (a submission always gives the same); every value is
    bound."""
    added = (
        insert(applications)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing()
        .returning(applications)
        .cte("added")
    )
    h = application_history
    history = insert(h).from_select(
        [h.c.application_id, h.c.to_state, h.c.actor],
        select(added.c.id, added.c.state, bindparam("by", type_=String())),
    )
    return select(added).add_cte(history.cte("history"))


def _move_many_statement():
    """Built once; every value is bound (one array per column of the decisions)."""
    a, h = applications, application_history
    new = bindparam("new", type_=String())
    given = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Uuid())),
            bindparam("categories", type_=ARRAY(String())),
            bindparam("reasons", type_=ARRAY(String())),
        )
        .table_valued("id", "category", "reason")
        .render_derived(name="given")
    )
    old = (
        select(a.c.id, a.c.state, given.c.reason.label("why"))
        .join(given, (given.c.id == a.c.id) & (given.c.category == a.c.category))
        .where(a.c.state == any_(bindparam("sources", type_=ARRAY(String()))))
        .with_for_update(of=a)
        .cte("old")
    )
    moved = (
        update(a)
        .where(a.c.id == old.c.id)
        .values(state=new, reason=old.c.why, updated_at=bindparam("now"))
        .returning(*a.c, old.c.state.label("previous"))
        .cte("moved")
    )
    history = insert(h).from_select(
        [h.c.application_id, h.c.from_state, h.c.to_state, h.c.actor, h.c.reason],
        select(
            moved.c.id, moved.c.previous, new, bindparam("actor", type_=String()), moved.c.reason
        ),
    )
    return select(moved).add_cte(history.cte("history"))


_MOVE_MANY = _move_many_statement()
