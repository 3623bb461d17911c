"""Portal accounts: an invitation sets a password, sign-in gives a token that works, resets work once."""

import asyncio
from urllib.parse import urlparse

import httpx
import pytest

from plenary_client import Conflict, Forbidden, Gone, Invalid, NotFound, Unauthorized
from plenary_devstack.invitations import accept_invitation, codes_sent
from plenary_devstack.testing import wait_for

PASSWORD = "correct horse battery staple"


def _token_of(link) -> str:
    return urlparse(str(link.url)).fragment.removeprefix("token=")


def _accept(api, mailbox, token: str, email: str, password: str = PASSWORD):
    """Accept as the invitee: the password, then the code e-mailed to the invited address."""
    return accept_invitation(
        api.platform.url("registration"), mailbox, token=token, email=email, password=password
    )


def _public(api, path, body):
    with httpx.Client(base_url=api.platform.url("registration"), timeout=20) as http:
        return http.post(path, json=body)


def test_an_invited_focal_point_sets_a_password_and_works_for_its_delegation(api, client, mailbox):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=3)
    link = client.registration.invite(
        {
            "email": "Zarina.Fp@example.org",
            "role": "focal_point",
            "delegation_id": delegation["id"],
        }
    )
    token = _token_of(link)
    assert str(link.url).startswith("http") and len(token) > 30

    public = api.plenary("").registration
    with pytest.raises(Invalid) as weak:
        public.accept_invitation({"token": token, "password": "short"})
    assert "12 characters" in weak.value.detail
    with pytest.raises(Invalid) as own_name:
        public.accept_invitation({"token": token, "password": "zarina.fp-2025!!"})
    assert "e-mail" in own_name.value.detail
    accepted = _accept(api, mailbox, token, "zarina.fp@example.org")
    assert accepted.status_code == 201, accepted.text
    session = accepted.json()["access_token"]
    with pytest.raises(Gone) as again:
        public.accept_invitation({"token": token, "password": PASSWORD})
    assert "already used" in again.value.detail

    me = api.plenary(session).registration.me()
    assert me.model_dump(mode="json") == {
        "subject": "zarina.fp@example.org",
        "role": "focal_point",
        "delegation_id": delegation["id"],
    }
    nominated = api.submit(meeting["id"], delegation["id"], token=session)
    assert nominated["state"] == "submitted"
    other = api.register_delegation(meeting["id"])
    with pytest.raises(Forbidden):
        api.submit(meeting["id"], other["id"], token=session)

    # raw: the OAuth 2 token response itself (the client's model defaults token_type)
    signed_in = _public(
        api, "/v1/auth/sessions", {"email": "zarina.fp@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 200 and signed_in.json()["token_type"] == "bearer"
    for email, password in (
        ("zarina.fp@example.org", "wrong password!!"),
        ("nobody@example.org", PASSWORD),
    ):
        with pytest.raises(Unauthorized) as refused:
            public.sign_in({"email": email, "password": password})
        assert refused.value.detail == "the e-mail address or the password is wrong"


def test_a_reset_link_works_once_and_replaces_the_password(api, client, mailbox):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    invitation = {
        "email": "reset.me@example.org",
        "role": "focal_point",
        "delegation_id": delegation["id"],
    }
    link = client.registration.invite(invitation)
    assert _accept(api, mailbox, _token_of(link), "reset.me@example.org").status_code == 201
    with pytest.raises(Conflict) as duplicate:
        client.registration.invite(invitation)
    assert "already has a portal account" in duplicate.value.detail

    # raw: the answer's own members, which the client's model would drop
    [account] = api.call(
        "registration", "GET", "/v1/accounts", params={"email": "Reset.Me@example.org"}
    ).json()["items"]
    assert "password_hash" not in account
    first = _token_of(client.registration.password_reset_link(account["id"]))
    second = _token_of(client.registration.password_reset_link(account["id"]))
    new_password = "a new and longer passphrase"
    public = api.plenary("").registration
    with pytest.raises(Gone):
        public.reset_password({"token": first, "password": new_password})
    # raw: the answer is 204 No Content
    done = _public(
        api, "/v1/auth/password-resets/complete", {"token": second, "password": new_password}
    )
    assert done.status_code == 204
    with pytest.raises(Gone) as reused:
        public.reset_password({"token": second, "password": new_password})
    assert "already used" in reused.value.detail
    with pytest.raises(Unauthorized):
        public.sign_in({"email": "reset.me@example.org", "password": PASSWORD})
    assert public.sign_in({"email": "reset.me@example.org", "password": new_password}).access_token
    with pytest.raises(NotFound):
        public.reset_password({"token": "x" * 40, "password": new_password})


async def test_focal_points_assigned_by_delegation_and_accredited_participants_are_invited(
    api, client, kafka, mailbox
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    client.delegation.assign_focal_point(
        delegation["id"],
        {"email": "assigned.fp@example.org", "name": "Assigned", "language": "ru"},
    )
    invited = await kafka.wait_events(
        "registration.accounts", event_type="registration.invitation.issued"
    )
    mine = [e for _, e in invited if e["data"]["email"] == "assigned.fp@example.org"]
    assert len(mine) == 1
    assert mine[0]["data"]["role"] == "focal_point" and mine[0]["data"]["language"] == "ru"
    assert "token" not in str(mine[0]["data"]).lower()

    link = client.registration.renew_invitation_link(mine[0]["data"]["invitation_id"])
    accepted = _accept(api, mailbox, _token_of(link), "assigned.fp@example.org")
    assert accepted.status_code == 201

    app = api.submit(meeting["id"], delegation["id"], email="accredited.person@example.org")
    api.wait_state(app["id"])
    client.registration.decide(app["id"], {"decision": "grant"})

    async def participant_invited():
        found = await kafka.events(
            "registration.accounts", event_type="registration.invitation.issued"
        )
        return [e for _, e in found if e["data"]["application_id"] == app["id"]]

    deadline = asyncio.get_running_loop().time() + 30
    while not (found := await participant_invited()):
        assert asyncio.get_running_loop().time() < deadline, (
            "no invitation for the accredited participant"
        )
        await asyncio.sleep(0.2)
    assert found[0]["data"]["role"] == "participant"
    link = client.registration.renew_invitation_link(found[0]["data"]["invitation_id"])
    accepted = _accept(api, mailbox, _token_of(link), "accredited.person@example.org")
    participant = api.plenary(accepted.json()["access_token"]).registration
    me = participant.me()
    assert (me.role, me.subject) == ("participant", app["id"])
    assert participant.get_badge(app["id"]).badge_number


def test_a_participant_reads_its_own_application_only_and_changes_nothing(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    mine, other = (api.submit(meeting["id"], delegation["id"]) for _ in range(2))
    token = api.token_for("participant", subject=mine["id"])
    participant = api.plenary(token).registration

    assert participant.get_application(mine["id"]).email == mine["email"]
    with pytest.raises(NotFound):
        participant.get_application(other["id"])
    for attempt in (
        lambda: participant.update_application(mine["id"], {"position": "Minister"}),
        lambda: participant.withdraw(mine["id"], {"reason": "changed my mind"}),
        lambda: participant.get_documents(mine["id"]),
        lambda: participant.get_history(mine["id"]),
    ):
        with pytest.raises((Forbidden, NotFound)):
            attempt()
    after = client.registration.get_application(mine["id"])
    assert after.position is None and after.state != "withdrawn"


def test_an_invitation_can_be_revoked_and_sent_again_and_the_trail_says_who_did_what(
    api, client, mailbox
):
    email = "revoke.me@example.org"
    invitations = client.registration
    first = invitations.invite({"email": email, "role": "organiser"})

    def trail():
        [only] = invitations.list_invitations(email=email).items
        return only

    assert trail().status == "pending" and trail().created_by == "test-organiser"
    revoked = invitations.revoke_invitation(first.id)
    assert revoked.status == "revoked" and revoked.revoked_by == "test-organiser"
    again = invitations.revoke_invitation(first.id)
    assert again.revoked_at == revoked.revoked_at

    with pytest.raises(Gone) as refused:
        api.plenary("").registration.accept_invitation(
            {"token": _token_of(first), "password": PASSWORD}
        )
    assert "withdrawn" in refused.value.detail
    pending = invitations.iter_list_invitations(status="pending")
    assert first.id not in {i.id for i in pending}

    # sent again: a new link re-opens it, and once accepted it can no longer be revoked
    renewed = invitations.renew_invitation_link(first.id)
    assert trail().status == "pending" and trail().revoked_by is None
    accepted = _accept(api, mailbox, _token_of(renewed), email)
    assert accepted.status_code == 201, accepted.text
    assert trail().status == "accepted" and trail().accepted_at
    with pytest.raises(Conflict) as late:
        invitations.revoke_invitation(first.id)
    assert "already accepted" in late.value.detail
    with pytest.raises(NotFound):
        invitations.revoke_invitation("00000000-0000-0000-0000-000000000001")


def test_a_forwarded_invitation_link_cannot_make_the_account(api, client, mailbox):
    email = "forwarded.fp@example.org"
    token = _token_of(client.registration.invite({"email": email, "role": "organiser"}))
    # someone who was forwarded the link chooses a password: the code goes to the invitee only
    # raw: 202, the account is not made yet
    chosen = _public(api, "/v1/auth/invitations/accept", {"token": token, "password": PASSWORD})
    assert chosen.status_code == 202 and chosen.json()["email_hint"] == "f***@example.org"
    public = api.plenary("").registration
    for guess in ("000000", "123456", "999999", "111111"):
        with pytest.raises(Invalid) as wrong:
            public.confirm_invitation({"token": token, "code": guess})
        assert "not the code we e-mailed" in wrong.value.detail
    with pytest.raises(Invalid):
        public.confirm_invitation({"token": token, "code": "222222"})
    with pytest.raises(Gone) as spent:
        public.confirm_invitation({"token": token, "code": "333333"})
    assert "new code" in spent.value.detail
    assert client.registration.list_accounts(email=email).total == 0
    # the first code reaches the address too: once it is there it cannot pass for the fresh one
    wait_for(lambda: codes_sent(mailbox, email), timeout=120, what="the first code")
    # the invitee, who reads the address's mail, gets a fresh code and makes the account
    mine = _accept(api, mailbox, token, email, password="the invitee's own phrase")
    assert mine.status_code == 201, mine.text
    assert public.sign_in({"email": email, "password": "the invitee's own phrase"}).access_token
    code_mails = [m for m in mailbox.to(email) if m.subject.startswith("Your Plenary code")]
    assert len(code_mails) == 2 and all(m.message["to"] == email for m in code_mails)
