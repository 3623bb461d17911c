"""E-mails: queued, held for digests, batched into change notices, leased, sent or retried."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Row, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.repository.deliveries import next_due_statement
from plenary_notification.adapters.tables import email_preferences, emails

# stamped row by row, so the changes of one transaction (a batch of events) keep their order
# when they are combined, where now() would give them all the transaction's start
_QUEUE = insert(emails).values(created_at=func.clock_timestamp()).on_conflict_do_nothing()

# e-mails someone is waiting for, sign-in page open: they go before any queue of notices
AWAITED = ("invitation_code", "password_reset", "invitation")

_NEXT_EMAIL = next_due_statement(emails)

# Which waiting changes are due: people whose latest change is older than the quiet period.
DUE_CHANGES = text(
    """
    SELECT id FROM (
        SELECT id, max(created_at) OVER (PARTITION BY recipient) AS latest
        FROM emails
        WHERE status = 'batched'
          AND (CAST(:meeting_id AS text) IS NULL OR context ->> 'meeting_id' = :meeting_id)
    ) waiting
    WHERE CAST(:quiet_before AS timestamptz) IS NULL
       OR latest < CAST(:quiet_before AS timestamptz)
    """
)
# Those changes become one message per person. Taking them by id (not by a join on recipient,
# which the planner made quadratic: 11 s for 5,000 people, measured) keeps it at 0.2 s; a
# concurrent worker that chose the same ids finds them no longer `batched` and takes none.
COMBINE_CHANGES = text(
    """
    WITH combined AS (
        UPDATE emails SET status = 'combined', last_error = NULL, sent_at = NULL
        WHERE id = ANY(:ids) AND status = 'batched'
        RETURNING id, recipient, language, context, created_at
    )
    INSERT INTO emails (id, dedupe_key, event_id, event_type, kind, recipient, language, context)
    SELECT gen_random_uuid(),
           'changes:' || min(id::text),
           'changes:' || min(id::text),
           'notification.schedule_changes',
           'schedule_changes',
           recipient,
           (array_agg(language ORDER BY created_at DESC, id DESC))[1],
           jsonb_build_object('items', jsonb_agg(context ORDER BY created_at, id))
    FROM combined
    GROUP BY recipient
    """
)


class EmailRows:
    """E-mails and people's preferences, on the unit of work's (or a worker's) connection."""

    _conn: AsyncConnection

    async def queue_emails(self, rows: list[dict]) -> None:
        """E-mails stored to be sent; the same one of the same event only once (executemany:
        SQLAlchemy sends the rows in pages, whatever their number)."""
        await self._conn.execute(_QUEUE, rows)

    async def set_preference(self, *, email: str, decisions: str) -> None:
        """Someone's choice for nomination decisions."""
        values = {"decisions": decisions, "updated_at": datetime.now(UTC)}
        await self._conn.execute(
            insert(email_preferences)
            .values(email=email, **values)
            .on_conflict_do_update(index_elements=[email_preferences.c.email], set_=values)
        )

    async def held_recipients(self, *, before: datetime) -> list[str]:
        """Who has e-mails held for a digest, queued before a moment."""
        e = emails
        query = (
            select(e.c.recipient)
            .where(e.c.status == "held", e.c.created_at < before)
            .group_by(e.c.recipient)
            .order_by(e.c.recipient)
        )
        return list((await self._conn.execute(query)).scalars())

    async def take_held(self, recipient: str, *, before: datetime) -> list[Row]:
        """A recipient's held e-mails queued before a moment, oldest first, locked (those
        another worker holds are skipped)."""
        query = (
            select(emails)
            .where(
                emails.c.recipient == recipient,
                emails.c.status == "held",
                emails.c.created_at < before,
            )
            .order_by(emails.c.created_at)
            .with_for_update(skip_locked=True)
        )
        return list((await self._conn.execute(query)).all())

    async def add_digest(
        self, digest_id: UUID, *, recipient: str, language: str, items: list[dict]
    ) -> None:
        """A digest of held e-mails, queued to be sent."""
        await self._conn.execute(
            insert(emails).values(
                id=digest_id,
                dedupe_key=f"digest:{digest_id}",
                event_id=f"digest:{digest_id}",
                event_type="notification.digest",
                kind="digest",
                recipient=recipient,
                language=language,
                context={"items": items},
            )
        )

    async def mark_digested(self, email_ids: list[uuid.UUID]) -> None:
        """Held e-mails now told in a digest."""
        await self._conn.execute(
            update(emails)
            .where(emails.c.id.in_(email_ids))
            .values(status="digested", last_error=None, sent_at=None)
        )

    async def due_changes(
        self, *, meeting_id: str | None, quiet_before: datetime | None
    ) -> list[UUID]:
        """The batched changes due: of people whose latest is older than `quiet_before` (None:
        everyone's), within a meeting (None: every meeting)."""
        due = {"meeting_id": meeting_id, "quiet_before": quiet_before}
        return list((await self._conn.execute(DUE_CHANGES, due)).scalars().all())

    async def combine_changes(self, email_ids: list[UUID]) -> int:
        """The changes taken into one message per person; returns how many messages."""
        result = await self._conn.execute(COMBINE_CHANGES, {"ids": email_ids})
        return result.rowcount

    async def next_email_due(self, *, now: datetime) -> datetime | None:
        """When the next pending e-mail falls due, if any is waiting."""
        return await self._conn.scalar(_NEXT_EMAIL, {"now": now})

    async def lease_due_emails(self, *, limit: int, lease: timedelta) -> list[Row]:
        """Claim due e-mails for a while; another worker takes them over if this one dies."""
        now = datetime.now(UTC)
        e = emails
        due = (
            select(e.c.id)
            .where(
                e.c.status == "pending",
                e.c.next_attempt_at <= now,
                (e.c.lease_until.is_(None)) | (e.c.lease_until < now),
            )
            .order_by(e.c.kind.in_(AWAITED).desc(), e.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(
            (
                await self._conn.execute(
                    update(e)
                    .where(e.c.id.in_(due.scalar_subquery()))
                    .values(lease_until=now + lease, attempts=e.c.attempts + 1)
                    .returning(e)
                )
            ).all()
        )

    async def mark_sent(self, email_ids: list[UUID], *, now: datetime) -> None:
        """E-mails sent, in one statement."""
        await self._conn.execute(
            update(emails)
            .where(emails.c.id.in_(email_ids))
            .values(status="sent", sent_at=now, lease_until=None, last_error=None)
        )

    async def email_failed(self, email_id: UUID, *, error: str, retry_at: datetime | None) -> None:
        """A failed sending: tried again at `retry_at`, or (None) failed for good."""
        values: dict = {"lease_until": None, "last_error": error}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        await self._conn.execute(update(emails).where(emails.c.id == email_id).values(**values))
