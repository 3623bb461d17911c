"""Portal accounts: invitations (issued, renewed, revoked) and accepting one with the e-mailed
code, which makes the account. Signing in and password resets are `sign_in`."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from plenary_registration.adapters import passwords
from plenary_registration.adapters.links import Links
from plenary_registration.domain.accounts import (
    check_password,
    code_still_fresh,
    digest,
    ensure_usable,
    masked,
    new_code,
    new_secret,
)
from plenary_shared.auth import Role
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Gone, Invalid, NotFound
from plenary_shared.events.delegation import FocalPointAssigned
from plenary_shared.events.registration import (
    AccountCreated,
    AccreditationGranted,
    InvitationCodeRequested,
    InvitationIssued,
)
from plenary_shared.sealing import seal

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

INVITATION_PAGE = "accept-invitation"


async def issue_invitation(
    uow: UnitOfWork[Repository],
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
    """Staff invite a person to the portal (the command): `invite`, committed."""
    invitation_id, token = await invite(
        uow,
        email=email,
        role=role,
        delegation_id=delegation_id,
        application_id=application_id,
        language=language,
        actor=actor,
        days=days,
        links=links,
    )
    await uow.commit()
    return invitation_id, token


async def invite(
    uow: UnitOfWork[Repository],
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
    """Invite a person to set a password (notification e-mails the link); returns id and secret.
    Not committed (an event reaction invites in the consumer's transaction)."""
    email = email.lower()
    if await uow.repo.account_id_with_email(email):
        raise Conflict(
            f"{email} already has a portal account; they can sign in or reset the password"
        )
    token, token_hash = new_secret()
    invitation_id = uuid.uuid4()
    invitation = {
        "id": invitation_id,
        "email": email,
        "role": role.value,
        "delegation_id": delegation_id,
        "application_id": application_id,
        "language": language,
        "expires_at": datetime.now(UTC) + timedelta(days=days),
    }
    await uow.repo.add_invitation(**invitation, token_hash=token_hash, created_by=actor)
    await _announce(uow, invitation, token=token, links=links)
    return invitation_id, token


async def _announce(uow: UnitOfWork[Repository], invitation, *, token: str, links: Links) -> None:
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


async def _locked_invitation(uow: UnitOfWork[Repository], invitation_id: uuid.UUID) -> Any:
    """An invitation, locked for the change at hand; NotFound if there is none."""
    row = await uow.repo.locked_invitation(invitation_id)
    if row is None:
        raise NotFound(f"invitation {invitation_id} does not exist")
    return row


async def renew_link(
    uow: UnitOfWork[Repository], *, invitation_id: uuid.UUID, days: int, links: Links
) -> str:
    """A fresh link for an invitation not yet accepted, e-mailed again; the old link stops working."""
    row = await _locked_invitation(uow, invitation_id)
    if row.accepted_at is not None:
        raise Conflict("this invitation was accepted; the person can sign in or reset the password")
    token, token_hash = new_secret()
    expires_at = datetime.now(UTC) + timedelta(days=days)
    await uow.repo.change_invitation(
        invitation_id,
        token_hash=token_hash,
        expires_at=expires_at,
        revoked_at=None,
        revoked_by=None,
        # a new link starts acceptance over: a password chosen with an old link is dropped
        code_hash=None,
        pending_password_hash=None,
        code_attempts=0,
    )
    await _announce(uow, {**row._mapping, "expires_at": expires_at}, token=token, links=links)
    uow.remember_result(invitation_id)
    await uow.commit()
    return token


async def revoke(uow: UnitOfWork[Repository], *, invitation_id: uuid.UUID, actor: str) -> None:
    """Withdraw an invitation not yet accepted: its link stops working (a new link re-opens it)."""
    row = await _locked_invitation(uow, invitation_id)
    if row.accepted_at is not None:
        raise Conflict(
            "this invitation was already accepted, so there is an account; it cannot be revoked"
        )
    if row.revoked_at is None:
        await uow.repo.change_invitation(
            invitation_id, revoked_at=datetime.now(UTC), revoked_by=actor
        )
    await uow.commit()


async def _usable_invitation(uow: UnitOfWork[Repository], token: str, now: datetime) -> Any:
    """The invitation a link's secret opens, locked, if it can still be accepted."""
    row = await uow.repo.locked_invitation_with_token(digest(token))
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
    uow: UnitOfWork[Repository],
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
    values: dict[str, Any] = {"pending_password_hash": passwords.hash_password(password)}
    recent = code_still_fresh(
        sent_at=row.code_sent_at,
        expires_at=row.code_expires_at,
        attempts=row.code_attempts,
        max_attempts=max_attempts,
        throttle_seconds=throttle_seconds,
        now=now,
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
    await uow.repo.change_invitation(row.id, **values)
    await uow.commit()
    return masked(row.email)


async def confirm(
    uow: UnitOfWork[Repository], *, token: str, code: str, max_attempts: int
) -> uuid.UUID:
    """Make the account once the code e-mailed to the invited address is given; its id."""
    now = datetime.now(UTC)
    row = await _usable_invitation(uow, token, now)
    if row.code_hash is None or row.pending_password_hash is None:
        raise Invalid("choose your password first; the code is e-mailed to you then")
    if row.code_expires_at <= now or row.code_attempts >= max_attempts:
        why = "expired" if row.code_expires_at <= now else "was mistyped too often"
        raise Gone(f"the code {why}; choose your password again to get a new code")
    if not hmac.compare_digest(digest(code.strip()), row.code_hash):
        await uow.repo.count_code_attempt(row.id)
        await uow.commit()
        left = max_attempts - row.code_attempts - 1
        raise Invalid(
            f"this is not the code we e-mailed; {left} tries left"
            if left
            else "this is not the code we e-mailed; choose your password again to get a new code"
        )
    account_id = uuid.uuid4()
    made = await uow.repo.add_account(
        id=account_id,
        email=row.email,
        role=row.role,
        delegation_id=row.delegation_id,
        application_id=row.application_id,
        language=row.language,
        password_hash=row.pending_password_hash,
    )
    if not made:
        raise Conflict(f"{row.email} already has a portal account; sign in instead")
    await uow.repo.change_invitation(
        row.id, accepted_at=now, code_hash=None, pending_password_hash=None
    )
    await uow.emit(
        AccountCreated(
            account_id=account_id, email=row.email, role=row.role, delegation_id=row.delegation_id
        ),
        subject=str(account_id),
    )
    await uow.commit()
    return account_id


async def on_focal_point_assigned(
    uow: UnitOfWork[Repository], event: CloudEvent, *, days: int, links: Links
) -> None:
    """A new focal point is invited to the portal."""
    assigned = FocalPointAssigned.model_validate(event.data)
    if await uow.repo.account_id_with_email(assigned.email.lower()):
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
    uow: UnitOfWork[Repository], event: CloudEvent, *, days: int, links: Links
) -> None:
    """An accredited participant is invited to the portal (badge and personal schedule)."""
    granted = AccreditationGranted.model_validate(event.data)
    email = granted.email.lower()
    if await uow.repo.account_id_with_email(email):
        return
    language = await uow.repo.application_language(granted.application_id)
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
