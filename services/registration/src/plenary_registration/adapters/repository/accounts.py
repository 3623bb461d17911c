"""Portal accounts, invitations to them and password reset links."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError

from plenary_registration.adapters.repository._rows import Rows
from plenary_registration.adapters.tables import accounts, invitations, password_resets


class AccountRows(Rows):
    """registration.accounts, registration.invitations and registration.password_resets."""

    # --- accounts ------------------------------------------------------------------------------

    async def account_id_with_email(self, email: str) -> uuid.UUID | None:
        """The id of the account with this (lower-case) e-mail address, if there is one."""
        return await self._conn.scalar(select(accounts.c.id).where(accounts.c.email == email))

    async def account_exists(self, account_id: uuid.UUID) -> bool:
        """Whether there is such an account."""
        found = await self._conn.scalar(select(accounts.c.id).where(accounts.c.id == account_id))
        return bool(found)

    async def account_with_email(self, email: str, *, for_update: bool = False) -> Row | None:
        """The account with this (lower-case) e-mail address, optionally locked, or None."""
        query = select(accounts).where(accounts.c.email == email)
        if for_update:
            query = query.with_for_update()
        return (await self._conn.execute(query)).one_or_none()

    async def account(self, account_id: uuid.UUID) -> Row:
        """An account that exists."""
        return (await self._conn.execute(select(accounts).where(accounts.c.id == account_id))).one()

    async def add_account(self, **values) -> bool:
        """Store a new account (in a savepoint); False when its e-mail address has one already."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(accounts.insert().values(**values))
        except IntegrityError:
            return False
        return True

    async def set_password(
        self, account_id: uuid.UUID, *, password_hash: str, now: datetime
    ) -> None:
        """An account's new password."""
        await self._conn.execute(
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(password_hash=password_hash, password_changed_at=now)
        )

    # --- invitations ---------------------------------------------------------------------------

    async def add_invitation(self, **values) -> None:
        """Store an invitation (its link's secret only as a hash)."""
        await self._conn.execute(invitations.insert().values(**values))

    async def locked_invitation(self, invitation_id: uuid.UUID) -> Row | None:
        """An invitation, locked for the change at hand, or None."""
        query = select(invitations).where(invitations.c.id == invitation_id).with_for_update()
        return (await self._conn.execute(query)).one_or_none()

    async def locked_invitation_with_token(self, token_hash: str) -> Row | None:
        """The invitation a link's secret (hashed) opens, locked, or None."""
        query = select(invitations).where(invitations.c.token_hash == token_hash).with_for_update()
        return (await self._conn.execute(query)).one_or_none()

    async def change_invitation(self, invitation_id: uuid.UUID, **values) -> None:
        """Write the given columns of an invitation."""
        await self._conn.execute(
            update(invitations).where(invitations.c.id == invitation_id).values(**values)
        )

    async def count_code_attempt(self, invitation_id: uuid.UUID) -> None:
        """One more mistyped code for an invitation."""
        await self._conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id)
            .values(code_attempts=invitations.c.code_attempts + 1)
        )

    # --- password resets -----------------------------------------------------------------------

    async def retire_resets(self, account_id: uuid.UUID, *, now: datetime) -> None:
        """An account's unused reset links stop working."""
        await self._conn.execute(
            update(password_resets)
            .where(password_resets.c.account_id == account_id, password_resets.c.used_at.is_(None))
            .values(used_at=now)
        )

    async def add_reset(self, **values) -> None:
        """Store a reset link (its secret only as a hash)."""
        await self._conn.execute(password_resets.insert().values(**values))

    async def recent_reset(self, account_id: uuid.UUID, *, since: datetime) -> uuid.UUID | None:
        """An unused reset link of the account made after `since`, if any."""
        return await self._conn.scalar(
            select(password_resets.c.id).where(
                password_resets.c.account_id == account_id,
                password_resets.c.used_at.is_(None),
                password_resets.c.created_at > since,
            )
        )

    async def locked_reset_with_token(self, token_hash: str) -> Row | None:
        """The reset link a secret (hashed) opens, locked, with its account's e-mail; or None."""
        return (
            await self._conn.execute(
                select(password_resets, accounts.c.email)
                .join(accounts, accounts.c.id == password_resets.c.account_id)
                .where(password_resets.c.token_hash == token_hash)
                .with_for_update(of=password_resets)
            )
        ).one_or_none()

    async def use_reset(self, reset_id: uuid.UUID, *, now: datetime) -> None:
        """A reset link was used: it stops working."""
        await self._conn.execute(
            update(password_resets).where(password_resets.c.id == reset_id).values(used_at=now)
        )
