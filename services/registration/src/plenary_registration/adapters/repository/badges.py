"""Badges (issued, voided) and check-ins (every scan at a checkpoint)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, Row, func, literal_column, select, update

from plenary_registration.adapters.repository._rows import Rows
from plenary_registration.adapters.tables import badges, checkins, delegations
from plenary_registration.domain.badges import (
    REPEAT_WINDOW_SECONDS,
    BadgeStatus,
    VoidReason,
    format_badge_number,
    meeting_code_of,
)

# pg_advisory_xact_lock(class, key) classes: badge numbers of one meeting; meeting codes
_LOCK_MEETING_NUMBERS = 0x42414447  # "BADG"
_LOCK_MEETING_CODES = 0x42414443  # "BADC"


class BadgeRows(Rows):
    """registration.badges and registration.checkins."""

    async def badge(self, badge_id: uuid.UUID) -> Row | None:
        """One badge, or None."""
        return (await self._conn.execute(select(badges).where(badges.c.id == badge_id))).first()

    async def active_badge(self, application_id: uuid.UUID) -> Row | None:
        """The badge that currently admits an application's holder, if any."""
        query = select(badges).where(
            badges.c.application_id == application_id, badges.c.status == BadgeStatus.ACTIVE.value
        )
        return (
            await self._conn.execute(query.order_by(badges.c.issued_at.desc()).limit(1))
        ).first()

    async def add_badge(self, **values) -> None:
        """Store an issued badge."""
        await self._conn.execute(badges.insert().values(**values))

    async def void_replaced_badge(self, badge_id: uuid.UUID, *, now: datetime) -> None:
        """A badge replaced by a re-issued one is void."""
        await self._conn.execute(
            update(badges)
            .where(badges.c.id == badge_id)
            .values(
                status=BadgeStatus.VOID.value, voided_at=now, void_reason=VoidReason.REPLACED.value
            )
        )

    async def void_active_badges(self, application_id: uuid.UUID, reason: VoidReason) -> list[Row]:
        """Void an application's active badges; the badges voided."""
        return list(
            (
                await self._conn.execute(
                    update(badges)
                    .where(
                        badges.c.application_id == application_id,
                        badges.c.status == BadgeStatus.ACTIVE.value,
                    )
                    .values(
                        status=BadgeStatus.VOID.value,
                        voided_at=func.now(),
                        void_reason=reason.value,
                    )
                    .returning(badges)
                )
            ).all()
        )

    async def next_badge_number(self, meeting_id: uuid.UUID, prefix: str) -> str:
        """The next number of a meeting, unique under concurrency.

        A transaction-scoped advisory lock per meeting serialises the count of its badges
        (badges are never deleted, voided ones keep their number), and a global one the first
        badge of a new meeting, which takes the next meeting code. Locks are always taken in
        that order, so they cannot deadlock; the unique constraint on badge_number stays as the
        last guard.
        """
        conn = self._conn
        await conn.execute(
            select(
                func.pg_advisory_xact_lock(_LOCK_MEETING_NUMBERS, func.hashtext(str(meeting_id)))
            )
        )
        known = await conn.scalar(
            select(badges.c.badge_number).where(badges.c.meeting_id == meeting_id).limit(1)
        )
        if known is not None:
            meeting_code = meeting_code_of(known)
        else:
            await conn.execute(select(func.pg_advisory_xact_lock(_LOCK_MEETING_CODES, 0)))
            meetings_with_badges = await conn.scalar(
                select(func.count(func.distinct(badges.c.meeting_id)))
            )
            meeting_code = (meetings_with_badges or 0) + 1
        issued = await conn.scalar(
            select(func.count()).select_from(badges).where(badges.c.meeting_id == meeting_id)
        )
        return format_badge_number(prefix, meeting_code, (issued or 0) + 1)

    async def delegation_name(self, delegation_id: uuid.UUID) -> str | None:
        """A delegation's name from the projection."""
        return await self._conn.scalar(
            select(delegations.c.name).where(delegations.c.id == delegation_id)
        )

    # --- check-ins -----------------------------------------------------------------------------

    async def lock_scan(self, lock_key: int) -> None:
        """Hold the transaction-scoped advisory lock of one scan's identity."""
        await self._conn.execute(select(func.pg_advisory_xact_lock(lock_key)))

    async def recent_scan(self, digest: str, application_id: uuid.UUID | None) -> Row | None:
        """The latest scan of the same identity, zone and checkpoint within the window.

        Filtering on application_id (NULL for codes that name no known badge) lets the query
        use ix_checkins_application (application_id, scanned_at).
        """
        c = checkins
        same_application = (
            c.c.application_id.is_(None)
            if application_id is None
            else c.c.application_id == application_id
        )
        window: ColumnClause[Any] = literal_column(f"interval '{REPEAT_WINDOW_SECONDS} seconds'")
        query = (
            select(c)
            .where(
                same_application,
                c.c.scanned_at > func.now() - window,
                func.left(c.c.scan_key, 64) == digest,
            )
            .order_by(c.c.scanned_at.desc())
            .limit(1)
        )
        return (await self._conn.execute(query)).first()

    async def add_checkin(self, **values) -> datetime:
        """Record a scan; when it was recorded."""
        return (
            await self._conn.execute(
                checkins.insert().values(**values).returning(checkins.c.scanned_at)
            )
        ).scalar_one()
