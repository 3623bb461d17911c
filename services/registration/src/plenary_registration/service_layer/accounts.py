"""Portal accounts: invitations, setting a password, signing in, and password resets."""

from __future__ import annotations

import hmac
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
from plenary_registration.domain.accounts import (
    check_password,
    digest,
    ensure_usable,
    masked,
    new_code,
    new_secret,
)
from plenary_registration.domain.throttle import Action
from plenary_registration.service_layer import sessions, throttle
from plenary_shared.auth import Role
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Gone, Invalid, NotFound
from plenary_shared.events.delegation import FocalPointAssigned
from plenary_shared.events.registration import (
    AccountCreated,
    AccreditationGranted,
    InvitationCodeRequested,
    InvitationIssued,
    PasswordResetRequested,
)
from plenary_shared.sealing import seal

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


async def _locked_invitation(uow: UnitOfWork, invitation_id: uuid.UUID):
    """An invitation, locked for the change at hand; NotFound if there is none."""
    row = (
        await uow.conn.execute(
            select(invitations).where(invitations.c.id == invitation_id).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"invitation {invitation_id} does not exist")
    return row


async def renew_link(uow: UnitOfWork, *, invitation_id: uuid.UUID, days: int, links: Links) -> str:
    """A fresh link for an invitation not yet accepted, e-mailed again; the old link stops working."""
    row = await _locked_invitation(uow, invitation_id)
    if row.accepted_at is not None:
        raise Conflict("this invitation was accepted; the person can sign in or reset the password")
    token, token_hash = new_secret()
    expires_at = datetime.now(UTC) + timedelta(days=days)
    await uow.conn.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id)
        .values(
            token_hash=token_hash,
            expires_at=expires_at,
            revoked_at=None,
            revoked_by=None,
            # a new link starts acceptance over: a password chosen with an old link is dropped
            code_hash=None,
            pending_password_hash=None,
            code_attempts=0,
        )
    )
    await _announce(uow, {**row._mapping, "expires_at": expires_at}, token=token, links=links)
    uow.remember_result(invitation_id)
    await uow.commit()
    return token


async def revoke(uow: UnitOfWork, *, invitation_id: uuid.UUID, actor: str) -> None:
    """Withdraw an invitation not yet accepted: its link stops working (a new link re-opens it)."""
    row = await _locked_invitation(uow, invitation_id)
    if row.accepted_at is not None:
        raise Conflict(
            "this invitation was already accepted, so there is an account; it cannot be revoked"
        )
    if row.revoked_at is None:
        await uow.conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id)
            .values(revoked_at=datetime.now(UTC), revoked_by=actor)
        )
    await uow.commit()


def invitation_status(row, now: datetime) -> str:
    """Where an invitation stands: accepted, revoked, expired or pending."""
    if row.accepted_at is not None:
        return "accepted"
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "pending"


async def list_invitations(
    engine,
    *,
    email: str | None,
    status: str | None,
    limit: int,
    offset: int,
    invitation_id: uuid.UUID | None = None,
) -> tuple[list, int]:
    """Invitations, newest first, by e-mail address and status: who invited whom, and when."""
    i, now = invitations, datetime.now(UTC)
    where = [i.c.email == email.lower()] if email else []
    where += [i.c.id == invitation_id] if invitation_id else []
    where += {
        None: [],
        "accepted": [i.c.accepted_at.is_not(None)],
        "revoked": [i.c.accepted_at.is_(None), i.c.revoked_at.is_not(None)],
        "expired": [i.c.accepted_at.is_(None), i.c.revoked_at.is_(None), i.c.expires_at <= now],
        "pending": [i.c.accepted_at.is_(None), i.c.revoked_at.is_(None), i.c.expires_at > now],
    }[status]
    async with engine.connect() as conn:
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
    return rows, total or 0


async def _usable_invitation(uow: UnitOfWork, token: str, now: datetime):
    """The invitation a link's secret opens, locked, if it can still be accepted."""
    row = (
        await uow.conn.execute(
            select(invitations).where(invitations.c.token_hash == digest(token)).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise NotFound("this invitation link is not valid; check it was copied whole")
    ensure_usable(
        expires_at=row.expires_at,
        used_at=row.accepted_at,
        revoked_at=row.revoked_at,
        now=now,
        what="invitation",
    )
    return row


async def accept(
    uow: UnitOfWork,
    *,
    token: str,
    password: str,
    links: Links,
    code_minutes: float,
    throttle_seconds: float,
    max_attempts: int,
) -> str:
    """Keep the chosen password and e-mail a code to the invited address; returns it masked.

    The account is made only with that code (`confirm`), so a forwarded link is not enough.
    A code sent moments ago stays valid rather than being replaced, unless it was mistyped too
    often.
    """
    now = datetime.now(UTC)
    row = await _usable_invitation(uow, token, now)
    check_password(password, email=row.email)
    values = {"pending_password_hash": passwords.hash_password(password)}
    recent = (
        row.code_sent_at is not None
        and row.code_expires_at > now
        and row.code_attempts < max_attempts
        and (now - row.code_sent_at).total_seconds() < throttle_seconds
    )
    if not recent and links.seal_key:
        code, code_hash = new_code()
        expires_at = now + timedelta(minutes=code_minutes)
        values |= {
            "code_hash": code_hash,
            "code_expires_at": expires_at,
            "code_sent_at": now,
            "code_attempts": 0,
        }
        await uow.emit(
            InvitationCodeRequested(
                invitation_id=row.id,
                email=row.email,
                language=row.language,
                expires_at=expires_at,
                sealed_code=seal(links.seal_key, code),
            ),
            subject=str(row.id),
        )
    await uow.conn.execute(update(invitations).where(invitations.c.id == row.id).values(**values))
    await uow.commit()
    return masked(row.email)


async def confirm(uow: UnitOfWork, *, token: str, code: str, max_attempts: int) -> uuid.UUID:
    """Make the account once the code e-mailed to the invited address is given; its id."""
    now = datetime.now(UTC)
    row = await _usable_invitation(uow, token, now)
    if row.code_hash is None or row.pending_password_hash is None:
        raise Invalid("choose your password first; the code is e-mailed to you then")
    if row.code_expires_at <= now or row.code_attempts >= max_attempts:
        why = "expired" if row.code_expires_at <= now else "was mistyped too often"
        raise Gone(f"the code {why}; choose your password again to get a new code")
    if not hmac.compare_digest(digest(code.strip()), row.code_hash):
        await uow.conn.execute(
            update(invitations)
            .where(invitations.c.id == row.id)
            .values(code_attempts=invitations.c.code_attempts + 1)
        )
        await uow.commit()
        left = max_attempts - row.code_attempts - 1
        raise Invalid(
            f"this is not the code we e-mailed; {left} tries left"
            if left
            else "this is not the code we e-mailed; choose your password again to get a new code"
        )
    account_id = uuid.uuid4()
    password_hash = row.pending_password_hash
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
                    password_hash=password_hash,
                )
            )
    except IntegrityError as exc:
        raise Conflict(f"{row.email} already has a portal account; sign in instead") from exc
    await uow.conn.execute(
        update(invitations)
        .where(invitations.c.id == row.id)
        .values(accepted_at=now, code_hash=None, pending_password_hash=None)
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
    uow: UnitOfWork,
    *,
    email: str,
    client: str | None,
    limits: throttle.Limits,
    links: Links,
    hours: float,
    throttle_seconds: float,
) -> None:
    """E-mail a reset link to an account holder who forgot the password; silent for strangers.

    Every request counts against the e-mail address and the client, whether or not the address
    has an account, so a lock (Throttled) tells nothing either.
    """
    keys = throttle.keys_of(email, client)
    now = datetime.now(UTC)
    await throttle.ensure_open(uow.conn, action=Action.PASSWORD_RESET, keys=keys, now=now)
    account = (
        await uow.conn.execute(
            select(accounts).where(accounts.c.email == email.lower()).with_for_update()
        )
    ).one_or_none()
    await throttle.count_strike(
        uow,
        action=Action.PASSWORD_RESET,
        keys=keys,
        limits=limits,
        account_id=account.id if account else None,
        now=now,
    )
    if account is None:
        await uow.commit()
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
        await uow.commit()
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


async def sign_in(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    client: str | None,
    limits: throttle.Limits,
    private_key: str,
    hours: float,
) -> str | None:
    """A session token for the right e-mail and password; None otherwise (same time either way).

    Wrong passwords count against the e-mail address and the client; while either is locked,
    every attempt is refused with the wait (Throttled), the right password too.
    """
    keys = throttle.keys_of(email, client)
    await throttle.ensure_open(uow.conn, action=Action.SIGN_IN, keys=keys, now=datetime.now(UTC))
    row = (
        await uow.conn.execute(select(accounts).where(accounts.c.email == email.lower()))
    ).one_or_none()
    if not passwords.verify(row.password_hash if row else None, password) or row is None:
        lock = await throttle.count_strike(
            uow,
            action=Action.SIGN_IN,
            keys=keys,
            limits=limits,
            account_id=row.id if row else None,
            now=datetime.now(UTC),
        )
        await uow.commit()
        if lock:
            raise throttle.Throttled(lock)
        return None
    await throttle.clear_account(uow, action=Action.SIGN_IN, keys=keys, now=datetime.now(UTC))
    token = await sessions.start(uow.conn, row, private_key=private_key, hours=hours)
    await uow.commit()
    return token


async def session_of(conn, account_id: uuid.UUID, *, private_key: str, hours: float) -> str:
    """A session token for an account just made."""
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).one()
    return await sessions.start(conn, row, private_key=private_key, hours=hours)


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
