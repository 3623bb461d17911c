"""The demo data `make run` loads: the SCO meeting with applications in every state, loaded once,
and portal accounts to sign in with."""

from plenary_client import ApiError
from plenary_devstack import demo
from plenary_devstack.testing import wait_for


def test_the_demo_loads_every_state_once(api, client, mailbox):
    api.sent_passports.update(a[4] for a in demo.APPLICANTS)
    urls = {s: api.platform.url(s) for s in api.platform.ports}
    said = []
    meeting_id = demo.load(urls=urls, token=api.token, say=said.append, mail=mailbox)
    assert "demo data loaded" in said[-1]
    meeting = client.scheduling.get_meeting(meeting_id)
    assert (meeting.city, meeting.venue, meeting.starts_on.isoformat()) == (
        "Moscow",
        "National Centre RUSSIA",
        "2025-11-17",
    )
    delegations = list(client.delegation.iter_list_delegations(meeting_id))
    codes = {d.country_code for d in delegations if d.kind == "member"}
    assert codes == {"BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"}
    assert {d.kind for d in delegations} >= {"member", "observer", "dialogue_partner"}
    sessions = client.scheduling.iter_list_sessions(meeting_id)
    assert {"restricted", "extended", "press_conference"} <= {s.format for s in sessions}

    def states():
        found = {a.state for a in client.registration.iter_list_applications(meeting_id)}
        return found if "submitted" not in found else None

    assert wait_for(states, what="the delegations' decisions") == {
        "accredited",
        "refused",
        "nominated",
        "rejected",
        "withdrawn",
        "revoked",
    }
    kaz = next(str(d.id) for d in delegations if d.country_code == "KAZ")
    accredited = client.registration.iter_list_applications(meeting_id, state="accredited")
    participant = next(str(a.id) for a in accredited if a.email == demo.PARTICIPANT)
    expected = {
        "organiser@plenary.example": ("organiser", "organiser@plenary.example", None),
        "desk@plenary.example": ("accreditation_desk", "desk@plenary.example", None),
        "focal.kaz@plenary.example": ("focal_point", "focal.kaz@plenary.example", kaz),
        demo.PARTICIPANT: ("participant", participant, None),
    }
    assert {email for email, *_ in demo.ACCOUNTS} == set(expected)
    sessions = {email: _signed_in(client, email) for email in expected}
    for email, session in sessions.items():
        me = api.plenary(session).registration.me().model_dump(mode="json")
        role, subject, delegation_id = expected[email]
        assert me == {"role": role, "subject": subject, "delegation_id": delegation_id}

    def badge():
        try:
            return api.plenary(sessions[demo.PARTICIPANT]).registration.get_badge(participant)
        except ApiError:
            return None

    assert wait_for(badge, what="the demo participant's own badge").status == "active"

    accounts = client.registration.list_accounts(limit=1).total
    again = []
    assert demo.load(urls=urls, token=api.token, say=again.append, mail=mailbox) == meeting_id
    assert again == [f"demo data already present (meeting {meeting_id})"]
    assert client.registration.list_accounts(limit=1).total == accounts
    for email in expected:
        _signed_in(client, email)


def _signed_in(client, email: str) -> str:
    """A session token of a demo account, signed in with the demo password."""
    with client.as_(None) as anonymous:
        session = anonymous.registration.sign_in({"email": email, "password": demo.PASSWORD})
    return session.access_token
