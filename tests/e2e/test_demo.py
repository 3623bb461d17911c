"""The demo data `make run` loads: the SCO meeting with applications in every state, loaded once,
and portal accounts to sign in with."""

import httpx

from plenary_devstack import demo
from plenary_devstack.testing import wait_for


def test_the_demo_loads_every_state_once(api, mailbox):
    api.sent_passports.update(a[4] for a in demo.APPLICANTS)
    urls = {s: api.platform.url(s) for s in api.platform.ports}
    said = []
    meeting_id = demo.load(urls=urls, token=api.token, say=said.append, mail=mailbox)
    assert "demo data loaded" in said[-1]
    meeting = api.call("scheduling", "GET", f"/v1/meetings/{meeting_id}").json()
    assert (meeting["city"], meeting["venue"], meeting["starts_on"]) == (
        "Moscow",
        "National Centre RUSSIA",
        "2025-11-17",
    )
    delegations = api.call(
        "delegation", "GET", f"/v1/meetings/{meeting_id}/delegations", params={"limit": 100}
    ).json()
    codes = {d["country_code"] for d in delegations["items"] if d["kind"] == "member"}
    assert codes == {"BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"}
    assert {d["kind"] for d in delegations["items"]} >= {"member", "observer", "dialogue_partner"}
    sessions = api.call("scheduling", "GET", f"/v1/meetings/{meeting_id}/sessions").json()["items"]
    assert {"restricted", "extended", "press_conference"} <= {s["format"] for s in sessions}

    def states():
        items = api.call("registration", "GET", f"/v1/meetings/{meeting_id}/applications").json()[
            "items"
        ]
        found = {a["state"] for a in items}
        return found if "submitted" not in found else None

    assert wait_for(states, what="the delegations' decisions") == {
        "accredited",
        "refused",
        "nominated",
        "rejected",
        "withdrawn",
        "revoked",
    }
    kaz = next(d["id"] for d in delegations["items"] if d["country_code"] == "KAZ")
    accredited = api.call(
        "registration",
        "GET",
        f"/v1/meetings/{meeting_id}/applications",
        params={"state": "accredited"},
    ).json()["items"]
    participant = next(a["id"] for a in accredited if a["email"] == demo.PARTICIPANT)
    expected = {
        "organiser@plenary.example": ("organiser", "organiser@plenary.example", None),
        "desk@plenary.example": ("accreditation_desk", "desk@plenary.example", None),
        "focal.kaz@plenary.example": ("focal_point", "focal.kaz@plenary.example", kaz),
        demo.PARTICIPANT: ("participant", participant, None),
    }
    assert {email for email, *_ in demo.ACCOUNTS} == set(expected)
    sessions = {email: _signed_in(api, email) for email in expected}
    for email, session in sessions.items():
        me = api.call("registration", "GET", "/v1/auth/me", token=session).json()
        role, subject, delegation_id = expected[email]
        assert me == {"role": role, "subject": subject, "delegation_id": delegation_id}

    def badge():
        response = api.call(
            "registration",
            "GET",
            f"/v1/applications/{participant}/badge",
            token=sessions[demo.PARTICIPANT],
        )
        return response.json() if response.status_code == 200 else None

    assert wait_for(badge, what="the demo participant's own badge")["status"] == "active"

    accounts = api.call("registration", "GET", "/v1/accounts", params={"limit": 500}).json()
    again = []
    assert demo.load(urls=urls, token=api.token, say=again.append, mail=mailbox) == meeting_id
    assert again == [f"demo data already present (meeting {meeting_id})"]
    after = api.call("registration", "GET", "/v1/accounts", params={"limit": 500}).json()
    assert after["total"] == accounts["total"]
    for email in expected:
        _signed_in(api, email)


def _signed_in(api, email: str) -> str:
    """A session token of a demo account, signed in with the demo password."""
    with httpx.Client(base_url=api.platform.url("registration"), timeout=20) as http:
        response = http.post("/v1/auth/sessions", json={"email": email, "password": demo.PASSWORD})
    assert response.status_code == 200, f"{email}: {response.text}"
    return response.json()["access_token"]
