"""Portal accounts: an invitation sets a password, sign-in gives a token that works, resets work once."""

import asyncio
from urllib.parse import urlparse

import httpx

from plenary_devstack.invitations import accept_invitation

PASSWORD = "correct horse battery staple"


def _token_of(link: dict) -> str:
    return urlparse(link["url"]).fragment.removeprefix("token=")


def _accept(api, mailbox, token: str, email: str, password: str = PASSWORD):
    """Accept as the invitee: the password, then the code e-mailed to the invited address."""
    return accept_invitation(
        api.platform.url("registration"), mailbox, token=token, email=email, password=password
    )


def _public(api, path, body):
    with httpx.Client(base_url=api.platform.url("registration"), timeout=20) as http:
        return http.post(path, json=body)


def test_an_invited_focal_point_sets_a_password_and_works_for_its_delegation(api, mailbox):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=3)
    link = api.call(
        "registration",
        "POST",
        "/v1/invitations",
        json={
            "email": "Zarina.Fp@example.org",
            "role": "focal_point",
            "delegation_id": delegation["id"],
        },
    ).json()
    token = _token_of(link)
    assert link["url"].startswith("http") and len(token) > 30

    weak = _public(api, "/v1/auth/invitations/accept", {"token": token, "password": "short"})
    assert weak.status_code == 422 and "12 characters" in weak.json()["detail"]
    own_name = _public(
        api, "/v1/auth/invitations/accept", {"token": token, "password": "zarina.fp-2025!!"}
    )
    assert own_name.status_code == 422 and "e-mail" in own_name.json()["detail"]
    accepted = _accept(api, mailbox, token, "zarina.fp@example.org")
    assert accepted.status_code == 201, accepted.text
    session = accepted.json()["access_token"]
    again = _public(api, "/v1/auth/invitations/accept", {"token": token, "password": PASSWORD})
    assert again.status_code == 410 and "already used" in again.json()["detail"]

    me = api.call("registration", "GET", "/v1/auth/me", token=session).json()
    assert me == {
        "subject": "zarina.fp@example.org",
        "role": "focal_point",
        "delegation_id": delegation["id"],
    }
    nominated = api.nominate(meeting["id"], delegation["id"], token=session)
    assert nominated.status_code == 202
    other = api.register_delegation(meeting["id"])
    assert api.nominate(meeting["id"], other["id"], token=session).status_code == 403

    signed_in = _public(
        api, "/v1/auth/sessions", {"email": "zarina.fp@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 200 and signed_in.json()["token_type"] == "bearer"
    for email, password in (
        ("zarina.fp@example.org", "wrong password!!"),
        ("nobody@example.org", PASSWORD),
    ):
        refused = _public(api, "/v1/auth/sessions", {"email": email, "password": password})
        assert refused.status_code == 401
        assert refused.json()["detail"] == "the e-mail address or the password is wrong"


def test_a_reset_link_works_once_and_replaces_the_password(api, mailbox):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    link = api.call(
        "registration",
        "POST",
        "/v1/invitations",
        json={
            "email": "reset.me@example.org",
            "role": "focal_point",
            "delegation_id": delegation["id"],
        },
    ).json()
    assert _accept(api, mailbox, _token_of(link), "reset.me@example.org").status_code == 201
    duplicate = api.call(
        "registration",
        "POST",
        "/v1/invitations",
        json={
            "email": "reset.me@example.org",
            "role": "focal_point",
            "delegation_id": delegation["id"],
        },
    )
    assert (
        duplicate.status_code == 409
        and "already has a portal account" in duplicate.json()["detail"]
    )

    [account] = api.call(
        "registration", "GET", "/v1/accounts", params={"email": "Reset.Me@example.org"}
    ).json()["items"]
    assert "password_hash" not in account
    first = _token_of(
        api.call("registration", "POST", f"/v1/accounts/{account['id']}/password-reset-link").json()
    )
    second = _token_of(
        api.call("registration", "POST", f"/v1/accounts/{account['id']}/password-reset-link").json()
    )
    new_password = "a new and longer passphrase"
    superseded = _public(
        api, "/v1/auth/password-resets/complete", {"token": first, "password": new_password}
    )
    assert superseded.status_code == 410
    done = _public(
        api, "/v1/auth/password-resets/complete", {"token": second, "password": new_password}
    )
    assert done.status_code == 204
    reused = _public(
        api, "/v1/auth/password-resets/complete", {"token": second, "password": new_password}
    )
    assert reused.status_code == 410 and "already used" in reused.json()["detail"]
    old = _public(api, "/v1/auth/sessions", {"email": "reset.me@example.org", "password": PASSWORD})
    assert old.status_code == 401
    new = _public(
        api, "/v1/auth/sessions", {"email": "reset.me@example.org", "password": new_password}
    )
    assert new.status_code == 200
    assert (
        _public(
            api, "/v1/auth/password-resets/complete", {"token": "x" * 40, "password": new_password}
        ).status_code
        == 404
    )


async def test_focal_points_assigned_by_delegation_and_accredited_participants_are_invited(
    api, kafka, mailbox
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{delegation['id']}/focal-points",
        json={"email": "assigned.fp@example.org", "name": "Assigned", "language": "ru"},
    )
    invited = await kafka.wait_events(
        "registration.accounts", event_type="registration.invitation.issued"
    )
    mine = [e for _, e in invited if e["data"]["email"] == "assigned.fp@example.org"]
    assert len(mine) == 1
    assert mine[0]["data"]["role"] == "focal_point" and mine[0]["data"]["language"] == "ru"
    assert "token" not in str(mine[0]["data"]).lower()

    link = api.call(
        "registration", "POST", f"/v1/invitations/{mine[0]['data']['invitation_id']}/link"
    ).json()
    accepted = _accept(api, mailbox, _token_of(link), "assigned.fp@example.org")
    assert accepted.status_code == 201

    app = api.nominate(
        meeting["id"], delegation["id"], email="accredited.person@example.org"
    ).json()
    api.wait_state(app["id"])
    api.call(
        "registration", "POST", f"/v1/applications/{app['id']}/decision", json={"decision": "grant"}
    )

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
    renew = f"/v1/invitations/{found[0]['data']['invitation_id']}/link"
    link = api.call("registration", "POST", renew).json()
    accepted = _accept(api, mailbox, _token_of(link), "accredited.person@example.org")
    session = accepted.json()["access_token"]
    me = api.call("registration", "GET", "/v1/auth/me", token=session).json()
    assert (me["role"], me["subject"]) == ("participant", app["id"])
    badge = api.call("registration", "GET", f"/v1/applications/{app['id']}/badge", token=session)
    assert badge.status_code == 200 and badge.json()["badge_number"]


def test_a_participant_reads_its_own_application_only_and_changes_nothing(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    mine, other = (api.nominate(meeting["id"], delegation["id"]).json() for _ in range(2))
    token = api.token_for("participant", subject=mine["id"])

    own = api.call("registration", "GET", f"/v1/applications/{mine['id']}", token=token)
    assert own.status_code == 200 and own.json()["email"] == mine["email"]
    assert (
        api.call("registration", "GET", f"/v1/applications/{other['id']}", token=token).status_code
        == 404
    )
    for method, path, body in (
        ("PATCH", f"/v1/applications/{mine['id']}", {"position": "Minister"}),
        ("POST", f"/v1/applications/{mine['id']}/withdrawal", {"reason": "changed my mind"}),
        ("GET", f"/v1/applications/{mine['id']}/documents", None),
        ("GET", f"/v1/applications/{mine['id']}/history", None),
    ):
        answer = api.call("registration", method, path, token=token, json=body)
        assert answer.status_code in (403, 404), (method, path, answer.status_code)
    after = api.call("registration", "GET", f"/v1/applications/{mine['id']}").json()
    assert after["position"] is None and after["state"] != "withdrawn"


def test_an_invitation_can_be_revoked_and_sent_again_and_the_trail_says_who_did_what(api, mailbox):
    email = "revoke.me@example.org"
    first = api.call(
        "registration", "POST", "/v1/invitations", json={"email": email, "role": "organiser"}
    ).json()

    def trail() -> dict:
        listed = api.call("registration", "GET", "/v1/invitations", params={"email": email})
        assert listed.status_code == 200, listed.text
        [only] = listed.json()["items"]
        return only

    assert trail()["status"] == "pending" and trail()["created_by"] == "test-organiser"
    revoked = api.call("registration", "POST", f"/v1/invitations/{first['id']}/revocation")
    assert revoked.status_code == 200, revoked.text
    assert (
        revoked.json()["status"] == "revoked" and revoked.json()["revoked_by"] == "test-organiser"
    )
    again = api.call("registration", "POST", f"/v1/invitations/{first['id']}/revocation")
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]

    refused = _public(
        api, "/v1/auth/invitations/accept", {"token": _token_of(first), "password": PASSWORD}
    )
    assert refused.status_code == 410 and "withdrawn" in refused.json()["detail"]
    pending = api.call("registration", "GET", "/v1/invitations", params={"status": "pending"})
    assert first["id"] not in {i["id"] for i in pending.json()["items"]}

    # sent again: a new link re-opens it, and once accepted it can no longer be revoked
    renewed = api.call("registration", "POST", f"/v1/invitations/{first['id']}/link").json()
    assert trail()["status"] == "pending" and trail()["revoked_by"] is None
    accepted = _accept(api, mailbox, _token_of(renewed), email)
    assert accepted.status_code == 201, accepted.text
    assert trail()["status"] == "accepted" and trail()["accepted_at"]
    late = api.call("registration", "POST", f"/v1/invitations/{first['id']}/revocation")
    assert late.status_code == 409 and "already accepted" in late.json()["detail"]
    unknown = api.call(
        "registration", "POST", "/v1/invitations/00000000-0000-0000-0000-000000000001/revocation"
    )
    assert unknown.status_code == 404


def test_a_forwarded_invitation_link_cannot_make_the_account(api, mailbox):
    email = "forwarded.fp@example.org"
    link = api.call(
        "registration", "POST", "/v1/invitations", json={"email": email, "role": "organiser"}
    ).json()
    token = _token_of(link)
    # someone who was forwarded the link chooses a password: the code goes to the invitee only
    chosen = _public(api, "/v1/auth/invitations/accept", {"token": token, "password": PASSWORD})
    assert chosen.status_code == 202 and chosen.json()["email_hint"] == "f***@example.org"
    for guess in ("000000", "123456", "999999", "111111"):
        wrong = _public(api, "/v1/auth/invitations/confirm", {"token": token, "code": guess})
        assert wrong.status_code == 422 and "not the code we e-mailed" in wrong.json()["detail"]
    last = _public(api, "/v1/auth/invitations/confirm", {"token": token, "code": "222222"})
    assert last.status_code == 422
    spent = _public(api, "/v1/auth/invitations/confirm", {"token": token, "code": "333333"})
    assert spent.status_code == 410 and "new code" in spent.json()["detail"]
    assert (
        api.call("registration", "GET", "/v1/accounts", params={"email": email}).json()["total"]
        == 0
    )
    # the invitee, who reads the address's mail, gets a fresh code and makes the account
    mine = _accept(api, mailbox, token, email, password="the invitee's own phrase")
    assert mine.status_code == 201, mine.text
    signed = _public(
        api, "/v1/auth/sessions", {"email": email, "password": "the invitee's own phrase"}
    )
    assert signed.status_code == 200
    code_mails = [m for m in mailbox.to(email) if m.subject.startswith("Your Plenary code")]
    assert len(code_mails) == 2 and all(m.message["to"] == email for m in code_mails)
