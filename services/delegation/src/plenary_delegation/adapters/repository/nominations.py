"""Nominations: how each was decided, and the waiting lists."""

from __future__ import annotations

import functools
from uuid import UUID

from sqlalchemy import Row, Uuid, any_, bindparam, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY

from plenary_delegation.adapters.queries import waiting
from plenary_delegation.adapters.repository.rows import Rows
from plenary_delegation.adapters.tables import nominations, seats
from plenary_delegation.domain.model import Decision


class NominationRows(Rows):
    """Decided nominations and the waiting nominations of each delegation."""

    async def decided_or_seated(self, application_ids: list[UUID]) -> set[UUID]:
        """Those of these applications with a decision or a seat (held or released) already."""
        return set(await self._conn.scalars(_DECIDED_OR_SEATED, {"ids": application_ids}))

    async def record_acceptances(
        self, accepted: list[tuple[UUID, UUID, UUID, str, bool | None]]
    ) -> None:
        """Accepted nominations (application, delegation, meeting, category, waitlist choice),
        written in one round trip."""
        await self._conn.execute(
            _record_nomination(waiting=False),
            [
                _nomination_values(*row[:4], Decision.ACCEPTED.value, None, row[4])
                for row in accepted
            ],
        )

    async def record_nomination(
        self,
        *,
        application_id: UUID,
        delegation_id: UUID,
        meeting_id: UUID,
        category: str,
        decision: str,
        reason: str | None,
        waitlist: bool | None,
        waiting: bool,
    ) -> None:
        """Write how a nomination was decided."""
        values = _nomination_values(
            application_id, delegation_id, meeting_id, category, decision, reason, waitlist
        )
        await self._conn.execute(_record_nomination(waiting=waiting), values)

    async def forget_nomination(self, application_id: UUID) -> Row | None:
        """Delete a nomination's decision (to decide it again); None when there was none, else
        the row with the focal point's `waitlist` choice."""
        return (
            await self._conn.execute(
                nominations.delete()
                .where(nominations.c.application_id == application_id)
                .returning(nominations.c.waitlist)
            )
        ).one_or_none()

    async def accept_promoted(self, application_id: UUID) -> None:
        """A waiting nomination accepted: a seat came free for it."""
        await self._conn.execute(
            update(nominations)
            .where(nominations.c.application_id == application_id)
            .values(decision=Decision.ACCEPTED.value, reason=None, promoted_at=func.now())
        )

    async def position_in_line(self, application_id: UUID) -> int | None:
        """A waiting nomination's place in its category's line (1 = next), or None if not
        waiting."""
        n, mine = nominations, nominations.alias("mine")
        query = (
            select(func.count())
            .select_from(n.join(mine, mine.c.application_id == application_id))
            .where(
                mine.c.decision == Decision.WAITLISTED.value,
                *waiting(mine.c.delegation_id, mine.c.category),
                tuple_(n.c.waitlisted_at, n.c.application_id)
                <= tuple_(mine.c.waitlisted_at, mine.c.application_id),
            )
        )
        found = await self._conn.scalar(query)
        return found or None

    async def lock_waiting(self, delegation_id: UUID) -> list[Row]:
        """A delegation's waiting nominations, first come first, locked until the transaction
        ends."""
        n = nominations
        query = (
            select(n)
            .where(*waiting(delegation_id))
            .order_by(n.c.waitlisted_at, n.c.application_id)
            .with_for_update()
        )
        return list((await self._conn.execute(query)).all())

    async def leave_waiting_list(self, application_id: UUID) -> Row | None:
        """Take a waiting nomination off its list; None when it was not waiting."""
        n = nominations
        return (
            await self._conn.execute(
                update(n)
                .where(
                    n.c.application_id == application_id,
                    n.c.decision == Decision.WAITLISTED.value,
                )
                .values(decision=Decision.LEFT_WAITING_LIST.value, reason="application_withdrawn")
                .returning(n.c.delegation_id, n.c.category)
            )
        ).one_or_none()


_IDS = bindparam("ids", type_=ARRAY(Uuid()))
_DECIDED_OR_SEATED = (
    select(nominations.c.application_id)
    .where(nominations.c.application_id == any_(_IDS))
    .union(select(seats.c.application_id).where(seats.c.application_id == any_(_IDS)))
)


@functools.cache
def _record_nomination(*, waiting: bool):
    """A nomination's decision row, built once per kind (a waiting one is stamped with the
    time it joined the line); each nomination only binds its values."""
    n = nominations
    return n.insert().values(
        application_id=bindparam("application_id"),
        delegation_id=bindparam("of_delegation"),
        meeting_id=bindparam("of_meeting"),
        category=bindparam("of_category"),
        decision=bindparam("decision"),
        reason=bindparam("reason"),
        waitlist=bindparam("waitlist"),
        waitlisted_at=func.clock_timestamp() if waiting else None,
    )


def _nomination_values(
    application_id: UUID,
    delegation_id: UUID,
    meeting_id: UUID,
    category: str,
    decision: str,
    reason: str | None,
    waitlist: bool | None,
) -> dict:
    return {
        "application_id": application_id,
        "of_delegation": delegation_id,
        "of_meeting": meeting_id,
        "of_category": category,
        "decision": decision,
        "reason": reason,
        "waitlist": waitlist,
    }
