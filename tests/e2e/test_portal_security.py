"""The portal's pages carry a strict CSP, its forms a CSRF token, and signing out ends the session
on every service."""

from __future__ import annotations

import re
import uuid

import httpx

from plenary_devstack.invitations import accept_invitation
from plenary_devstack.testing import wait_for

PASSWORD = "a long and memorable phrase"


def _organiser(api, mailbox) -> str:
    """An organiser account with PASSWORD; its e-mail address."""
    email = f"organiser-{uuid.uuid4().hex[:8]}@example.org"
    issued = api.call(
        "registration", "POST", "/v1/invitations", json={"email": email, "role": "organiser"}
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["url"].split("#token=")[1]
    accepted = accept_invitation(
        api.platform.url("registration"), mailbox, token=token, email=email, password=PASSWORD
    )
    assert accepted.status_code == 201, accepted.text
    return email


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def _portal(api) -> httpx.Client:
    url = api.platform.url("portal")
    return httpx.Client(base_url=url, timeout=30, headers={"Origin": url})


def _sign_in(portal: httpx.Client, email: str) -> None:
    form = portal.get("/login")
    signed = portal.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(form)}
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/organiser", signed.text


def _invitation_status(api, email: str) -> str:
    found = api.call("registration", "GET", "/v1/invitations", params={"email": email}).json()
    return found["items"][0]["status"]


def test_every_page_has_a_strict_csp_whose_nonce_its_scripts_carry(api, mailbox):
    email = _organiser(api, mailbox)
    with _portal(api) as portal:
        _sign_in(portal, email)
        for path in ("/login", "/organiser", "/organiser/invitations"):
            page = portal.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            policy = page.headers["content-security-policy"]
            (nonce,) = re.findall(r"'nonce-([^']+)'", policy)
            assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
            for directive in (
                "default-src 'self'",
                "object-src 'none'",
                "base-uri 'none'",
                "frame-ancestors 'none'",
                "form-action 'self'",
            ):
                assert directive in policy
            scripts = re.findall(r"<script[^>]*>", page.text)
            assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["referrer-policy"] == "same-origin"


def test_a_form_without_its_token_or_from_nowhere_changes_nothing(api, mailbox):
    email = _organiser(api, mailbox)
    invited = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    issued = api.call(
        "registration", "POST", "/v1/invitations", json={"email": invited, "role": "organiser"}
    )
    assert issued.status_code == 201, issued.text
    revoke = f"/organiser/invitations/{issued.json()['id']}/revoke"
    with _portal(api) as portal:
        _sign_in(portal, email)
        token = _csrf(portal.get("/organiser/invitations"))
        form = {"idempotency_key": str(uuid.uuid4()), "email": invited}

        for data in (form, {**form, "csrf_token": "forged"}):
            refused = portal.post(revoke, data=data)
            assert refused.status_code == 403
            assert "Reload the page" in refused.text
        assert _invitation_status(api, invited) == "pending"

        # the right token, but neither Origin nor Referer: refused too
        bare = httpx.post(
            api.platform.url("portal") + revoke,
            data={**form, "csrf_token": token},
            cookies=portal.cookies,
            timeout=30,
        )
        assert bare.status_code == 403 and "from this site only" in bare.text
        assert _invitation_status(api, invited) == "pending"

        # the same form with its token, from this site: done
        done = portal.post(revoke, data={**form, "csrf_token": token})
        assert done.status_code == 303, done.text
        assert _invitation_status(api, invited) == "revoked"


def test_after_signing_out_the_old_cookie_and_token_are_refused_everywhere(api, mailbox):
    email = _organiser(api, mailbox)
    meeting = api.create_meeting()
    probes = {
        "scheduling": "/v1/meetings",
        "delegation": f"/v1/meetings/{meeting['id']}/delegations",
        "registration": "/v1/auth/me",
        "notification": "/v1/subscriptions",
    }
    with _portal(api) as portal:
        _sign_in(portal, email)
        cookie = portal.cookies["plenary_session"]
        for service, path in probes.items():
            answer = api.call(service, "GET", path, token=cookie)
            assert answer.status_code == 200, (service, answer.text)
        assert portal.get("/organiser").status_code == 200

        out = portal.post("/logout", data={"csrf_token": _csrf(portal.get("/organiser"))})
        assert out.status_code == 303 and out.headers["location"] == "/login"

    # the old cookie, replayed: the sign-in page, not the organiser's
    with httpx.Client(
        base_url=api.platform.url("portal"), cookies={"plenary_session": cookie}, timeout=30
    ) as replay:
        page = replay.get("/organiser")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")

    # registration ended the session itself; the others learn it from its event
    me = api.call("registration", "GET", "/v1/auth/me", token=cookie)
    assert me.status_code == 401 and "signed out" in me.json()["detail"]
    again = api.call("registration", "DELETE", "/v1/auth/sessions/current", token=cookie)
    assert again.status_code == 401
    for service, path in probes.items():
        wait_for(
            lambda service=service, path=path: (
                api.call(service, "GET", path, token=cookie).status_code == 401
            ),
            what=f"{service} refusing the signed-out token",
        )
    # a token from no sign-in (no sid claim) has no session to end: said so, and it still works
    no_session = api.call("registration", "DELETE", "/v1/auth/sessions/current")
    assert no_session.status_code == 422 and "no session" in no_session.json()["detail"]
    assert api.call("scheduling", "GET", "/v1/meetings").status_code == 200
    # signing in again gives a new session that works
    with _portal(api) as portal:
        _sign_in(portal, email)
        assert portal.get("/organiser").status_code == 200
        fresh = portal.cookies["plenary_session"]
        assert fresh != cookie
        assert api.call("scheduling", "GET", "/v1/meetings", token=fresh).status_code == 200
