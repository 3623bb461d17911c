"""The demo data `make run` loads: the SCO meeting with applications in every state, loaded once."""

from plenary_devstack import demo
from plenary_devstack.testing import wait_for


def test_the_demo_loads_every_state_once(api):
    api.sent_passports.update(a[4] for a in demo.APPLICANTS)
    urls = {s: api.platform.url(s) for s in api.platform.ports}
    said = []
    meeting_id = demo.load(urls=urls, token=api.token, say=said.append)
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
    again = []
    assert demo.load(urls=urls, token=api.token, say=again.append) == meeting_id
    assert "already present" in again[-1]
