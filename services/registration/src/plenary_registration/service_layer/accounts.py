"""Portal accounts: invitations, setting a password, signing in, and password resets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from plenary_registration.adapters import passwords
from plenary_registration.adapters.links import Links
from plenary_registration.adapters.tables import (
    accounts,
    applications,
    invitations,
    password_resets,
)
from plenary_registration.domain.accounts import check_password, digest, ensure_usable, new_secret
from plenary_shared.auth import Role, mint_token
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.delegation import FocalPointAssigned
from plenary_shared.events.registration import (
    AccountCreated,
    AccreditationGranted,
    InvitationIssued,
    PasswordResetRequested,
)

INVITATION_PAGE = "accept-invitation"
RESET_PAGE = "reset-password"


async def invite(
    uow: UnitOfWork,
    *,
    email: str,
    role: Role,
    delegation_id: uuid.UUID | None,
    application_id: uuid.UUID | None,
    language: str,
    actor: str,
    days: int,
    links: Links,
) -> tuple[uuid.UUID, str]:
    """Invite a person to set a password (notification e-mails the link); returns id and secret."""
    email = email.lower()
    if await uow.conn.scalar(select(accounts.c.id).where(accounts.c.email == email)):
        raise Conflict(
            f"{email} already has a portal account; they can sign in or reset the password"
        )
    token, token_hash = new_secret()
    invitation = {
        "id": uuid.uuid4(),
        "email": email,
        "role": role.value,
        "delegation_id": delegation_id,
        "application_id": application_id,
        "language": language,
        "expires_at": datetime.now(UTC) + timedelta(days=days),
    }
    await uow.conn.execute(
        invitations.insert().values(**invitation, token_hash=token_hash, created_by=actor)
    )
    await _announce(uow, invitation, token=token, links=links)
    return invitation["id"], token


async def _announce(uow: UnitOfWork, invitation, *, token: str, links: Links) -> None:
    """Publish an invitation, with its link sealed for notification to e-mail."""
    await uow.emit(
        InvitationIssued(
            invitation_id=invitation["id"],
            email=invitation["email"],
            role=invitation["role"],
            delegation_id=invitation["delegation_id"],
            application_id=invitation["application_id"],
            language=invitation["language"],
            expires_at=invitation["expires_at"],
            sealed_link=links.sealed(INVITATION_PAGE, token),
        ),
        subject=str(invitation["id"]),
    )


async def renew_link(uow: UnitOfWork, *, invitation_id: uuid.UUID, days: int, links: Links) -> str:
    """A fresh link for an invitation not yet accepted, e-mailed again; the old link stops working."""
    row = (
        await uow.conn.execute(
            select(invitations).where(invitations.c.id == invitation_id).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"invitation {invitation_id} does not exist")
    if row.accepted_at is not None:
        raise Conflict("this invitation was accepted; the person can sign in or reset the password")
    token, token_hash = new_secret()
    expires_at = datetime.now(UTC) + timedelta(days=days)
    await uow.conn.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id)
        .values(token_hash=token_hash, expires_at=expires_at, revoked_at=None)
    )
    await _announce(uow, {**row._mapping, "expires_at": expires_at}, token=token, links=links)
    uow.remember_result(invitation_id)
    await uow.commit()
    return token


async def accept(uow: UnitOfWork, *, token: str, password: str) -> uuid.UUID:
    """Set the password of an invitation's account; returns the new account id."""
    row = (
        await uow.conn.execute(
            select(invitations).where(invitations.c.token_hash == digest(token)).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise NotFound("this invitation link is not valid; check it was copied whole")
    now = datetime.now(UTC)
    ensure_usable(
        expires_at=row.expires_at,
        used_at=row.accepted_at,
        revoked_at=row.revoked_at,
        now=now,
        what="invitation",
    )
    check_password(password, email=row.email)
    account_id = uuid.uuid4()
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                accounts.insert().values(
                    id=account_id,
                    email=row.email,
                    role=row.role,
                    delegation_id=row.delegation_id,
                    application_id=row.application_id,
                    language=row.language,
                    password_hash=passwords.hash_password(password),
                )
            )
    except IntegrityError as exc:
        raise Conflict(f"{row.email} already has a portal account; sign in instead") from exc
    await uow.conn.execute(
        update(invitations).where(invitations.c.id == row.id).values(accepted_at=now)
    )
    await uow.emit(
        AccountCreated(
            account_id=account_id, email=row.email, role=row.role, delegation_id=row.delegation_id
        ),
        subject=str(account_id),
    )
    await uow.commit()
    return account_id


async def reset_link(uow: UnitOfWork, *, account_id: uuid.UUID, actor: str, hours: float) -> str:
    """A one-time password reset link for an account (earlier unused links stop working)."""
    if not await uow.conn.scalar(select(accounts.c.id).where(accounts.c.id == account_id)):
        raise NotFound(f"account {account_id} does not exist")
    token, _ = await _new_reset(uow, account_id=account_id, actor=actor, hours=hours)
    uow.remember_result(account_id)
    await uow.commit()
    return token


async def _new_reset(
    uow: UnitOfWork, *, account_id: uuid.UUID, actor: str, hours: float
) -> tuple[str, datetime]:
    """A new reset link secret and its expiry; earlier unused links of the account stop working."""
    now = datetime.now(UTC)
    await uow.conn.execute(
        update(password_resets)
        .where(password_resets.c.account_id == account_id, password_resets.c.used_at.is_(None))
        .values(used_at=now)
    )
    token, token_hash = new_secret()
    expires_at = now + timedelta(hours=hours)
    await uow.conn.execute(
        password_resets.insert().values(
            id=uuid.uuid4(),
            account_id=account_id,
            token_hash=token_hash,
            expires_at=expires_at,
            created_by=actor,
        )
    )
    return token, expires_at


async def request_reset(
    uow: UnitOfWork, *, email: str, links: Links, hours: float, throttle_seconds: float
) -> None:
    """E-mail a reset link to an account holder who forgot the password; silent for strangers."""
    account = (
        await uow.conn.execute(
            select(accounts).where(accounts.c.email == email.lower()).with_for_update()
        )
    ).one_or_none()
    if account is None:
        return  # the same answer either way, so nobody learns which addresses have accounts
    now = datetime.now(UTC)
    recent = await uow.conn.scalar(
        select(password_resets.c.id).where(
            password_resets.c.account_id == account.id,
            password_resets.c.used_at.is_(None),
            password_resets.c.created_at > now - timedelta(seconds=throttle_seconds),
        )
    )
    if recent is not None:
        return  # a link went out a moment ago; repeated clicks do not flood the mailbox
    token, expires_at = await _new_reset(
        uow, account_id=account.id, actor="self-service", hours=hours
    )
    sealed = links.sealed(RESET_PAGE, token)
    if sealed is not None:
        await uow.emit(
            PasswordResetRequested(
                account_id=account.id,
                email=account.email,
                language=account.language,
                expires_at=expires_at,
                sealed_link=sealed,
            ),
            subject=str(account.id),
        )
    await uow.commit()


async def reset_password(uow: UnitOfWork, *, token: str, password: str) -> None:
    """Set a new password with a reset link; the link then stops working."""
    row = (
        await uow.conn.execute(
            select(password_resets, accounts.c.email)
            .join(accounts, accounts.c.id == password_resets.c.account_id)
            .where(password_resets.c.token_hash == digest(token))
            .with_for_update(of=password_resets)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("this reset link is not valid; check it was copied whole")
    now = datetime.now(UTC)
    ensure_usable(
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=None,
        now=now,
        what="password reset link",
    )
    check_password(password, email=row.email)
    await uow.conn.execute(
        update(accounts)
        .where(accounts.c.id == row.account_id)
        .values(password_hash=passwords.hash_password(password), password_changed_at=now)
    )
    await uow.conn.execute(
        update(password_resets).where(password_resets.c.id == row.id).values(used_at=now)
    )
    await uow.commit()


async def sign_in(conn, *, email: str, password: str, private_key: str, hours: float) -> str | None:
    """A session token for the right e-mail and password; None otherwise (same time either way)."""
    row = (
        await conn.execute(select(accounts).where(accounts.c.email == email.lower()))
    ).one_or_none()
    if not passwords.verify(row.password_hash if row else None, password) or row is None:
        return None
    subject = str(row.application_id) if row.role == Role.PARTICIPANT.value else row.email
    return mint_token(
        private_key_pem=private_key,
        role=row.role,
        subject=subject,
        delegation_id=row.delegation_id,
        ttl=timedelta(hours=hours),
    )


async def on_focal_point_assigned(
    uow: UnitOfWork, event: CloudEvent, *, days: int, links: Links
) -> None:
    """A new focal point is invited to the portal."""
    assigned = FocalPointAssigned.model_validate(event.data)
    if await uow.conn.scalar(
        select(accounts.c.id).where(accounts.c.email == assigned.email.lower())
    ):
        return  # already has an account (for example a focal point of an earlier meeting)
    await invite(
        uow,
        email=assigned.email,
        role=Role.FOCAL_POINT,
        delegation_id=assigned.delegation_id,
        application_id=None,
        language=assigned.language,
        actor="system:delegation",
        days=days,
        links=links,
    )


async def on_accreditation_granted(
    uow: UnitOfWork, event: CloudEvent, *, days: int, links: Links
) -> None:
    """An accredited participant is invited to the portal (badge and personal schedule)."""
    granted = AccreditationGranted.model_validate(event.data)
    email = granted.email.lower()
    if await uow.conn.scalar(select(accounts.c.id).where(accounts.c.email == email)):
        return
    language = await uow.conn.scalar(
        select(applications.c.language).where(applications.c.id == granted.application_id)
    )
    await invite(
        uow,
        email=email,
        role=Role.PARTICIPANT,
        delegation_id=granted.delegation_id,
        application_id=granted.application_id,
        language=language or "en",
        actor="system:accreditation",
        days=days,
        links=links,
    )


async def email_of_invitation(conn, *, token: str) -> str:
    """The e-mail address an invitation link was issued for."""
    return await conn.scalar(
        select(invitations.c.email).where(invitations.c.token_hash == digest(token))
    )


async def list_accounts(engine, *, email: str | None, limit: int, offset: int):
    """Accounts by e-mail, with the total."""
    where = [accounts.c.email == email.lower()] if email else []
    async with engine.connect() as conn:
        total = await conn.scalar(select(func.count()).select_from(accounts).where(*where))
        rows = (
            await conn.execute(
                select(accounts)
                .where(*where)
                .order_by(accounts.c.email)
                .limit(limit)
                .offset(offset)
            )
        ).all()
    return list(rows), total or 0
