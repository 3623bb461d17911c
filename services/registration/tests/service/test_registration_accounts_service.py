"""Use cases of portal accounts against the fake repository: invitations, the e-mailed code,
signing in with its throttle, sessions and password resets."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from plenary_registration.adapters import passwords
from plenary_registration.adapters.links import Links
from plenary_registration.domain.accounts import digest
from plenary_registration.domain.throttle import Rule
from plenary_registration.service_layer import accounts, sessions, sign_in, throttle
from plenary_shared.auth import Principal, Role, generate_key_pair
from plenary_shared.errors import Conflict, Gone, Invalid
from plenary_shared.sealing import generate_seal_keys

PRIVATE, _ = generate_key_pair()
PASSWORD = "correct horse battery staple"
# the same Argon2id, at the cheapest cost: these tests are about the use cases, not the hash
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
HASHED = CHEAP.hash(PASSWORD)
LINKS = Links(portal_url="https://portal.example.org", seal_key="")
RULE = Rule(
    free=2,
    base=timedelta(seconds=30),
    cap=timedelta(minutes=15),
    window=timedelta(minutes=15),
)
LIMITS = throttle.Limits(account=RULE, client=RULE)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY", CHEAP.hash("no account has this password"))


async def invite(uow, email="new@example.org"):
    return await accounts.issue_invitation(
        uow,
        email=email,
        role=Role.FOCAL_POINT,
        delegation_id=uuid.uuid4(),
        application_id=None,
        language="ru",
        actor="organiser",
        days=14,
        links=LINKS,
    )


async def test_an_invitation_keeps_only_the_hash_of_its_link_and_is_announced(repo, uow):
    invitation_id, token = await invite(uow, email="New@Example.org")

    stored = repo.invitations[invitation_id]
    assert (stored.email, stored.role, stored.created_by) == (
        "new@example.org",
        "focal_point",
        "organiser",
    )
    assert stored.token_hash == digest(token) and token not in str(vars(stored))
    [issued] = uow.events("registration.invitation.issued")
    assert issued["invitation_id"] == str(invitation_id) and issued["language"] == "ru"
    assert token not in str(uow.emitted)
    assert uow.commits == 1


async def test_nobody_with_an_account_is_invited_again(repo, uow):
    repo.given_account("taken@example.org")

    with pytest.raises(Conflict, match="already has a portal account"):
        await invite(uow, email="taken@example.org")
    assert repo.invitations == {} and uow.emitted == []


async def test_the_account_is_made_only_with_the_emailed_code(repo, uow):
    _, public = generate_seal_keys()
    links = Links(portal_url="https://portal.example.org", seal_key=public)
    invitation_id, token = await invite(uow)

    hint = await accounts.accept(
        uow,
        token=token,
        password=PASSWORD,
        links=links,
        code_minutes=15,
        throttle_seconds=60,
        max_attempts=3,
    )
    assert hint == "n***@example.org"
    [requested] = uow.events("registration.invitation.code_requested")
    assert requested["invitation_id"] == str(invitation_id) and "sealed_code" in requested

    with pytest.raises(Invalid, match="2 tries left"):
        await accounts.confirm(uow, token=token, code="000000x", max_attempts=3)
    assert repo.invitations[invitation_id].code_attempts == 1
    assert repo.accounts == {}


async def test_wrong_passwords_lock_the_address_and_say_so_without_naming_it(repo, uow):
    repo.given_account("focal@example.org", password_hash=HASHED)

    async def attempt(password):
        return await sign_in.sign_in(
            uow,
            email="focal@example.org",
            password=password,
            client="203.0.113.7",
            limits=LIMITS,
            private_key=PRIVATE,
            hours=1,
        )

    assert await attempt("a wrong passphrase") is None
    with pytest.raises(throttle.Throttled):
        await attempt("another wrong one")
    with pytest.raises(throttle.Throttled):
        await attempt(PASSWORD)  # locked: even the right password waits

    locks = uow.events("registration.sign_in.throttled")
    assert {lock["scope"] for lock in locks} == {"account", "client"}
    assert "focal@example.org" not in str(uow.emitted) and "203.0.113.7" not in str(uow.emitted)
    assert repo.sessions == {}


async def test_signing_in_starts_a_session_and_signing_out_ends_it_once(repo, uow):
    account = repo.given_account("focal@example.org", password_hash=HASHED)

    token = await sign_in.sign_in(
        uow,
        email="Focal@example.org",
        password=PASSWORD,
        client=None,
        limits=LIMITS,
        private_key=PRIVATE,
        hours=1,
    )
    [session_id] = repo.sessions
    assert token and repo.sessions[session_id].account_id == account.id

    principal = Principal(
        subject=account.email, role=Role.FOCAL_POINT, session_id=session_id, token=token
    )
    await sessions.end(uow, principal=principal)
    await sessions.end(uow, principal=principal)  # again: ended already, nothing more

    assert session_id in repo.ended_sessions
    [ended] = uow.events("registration.session.ended")
    assert ended["sid"] == str(session_id)


async def test_a_reset_link_works_once_and_retires_earlier_ones(repo, uow):
    account = repo.given_account("focal@example.org", password_hash=HASHED)
    earlier = await sign_in.reset_link(uow, account_id=account.id, actor="helpdesk", hours=2)
    token = await sign_in.reset_link(uow, account_id=account.id, actor="helpdesk", hours=2)
    assert uow.result == str(account.id)

    new_password = "a brand new passphrase"
    await sign_in.reset_password(uow, token=token, password=new_password)

    assert passwords.verify(repo.accounts[account.id].password_hash, new_password)
    for used in (token, earlier):
        with pytest.raises(Gone, match="already used"):
            await sign_in.reset_password(uow, token=used, password="yet another passphrase")
