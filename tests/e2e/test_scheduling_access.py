"""Scheduling by its policy: a participant's delegation claim widens nothing, and a focal point
token without a delegation is refused (fail closed)."""

from scheduling_world import Timetable


def _world(api):
    """A public session with our head and me, a restricted one with a colleague, a bilateral."""
    tt = Timetable(api)
    room = tt.room()
    ours, theirs = tt.delegation(name="Ours"), tt.delegation(name="Theirs")
    me, colleague = tt.accredited(ours["id"]), tt.accredited(ours["id"])
    public = tt.scheduled(
        room,
        "2025-11-17T10:00:00",
        "2025-11-17T11:00:00",
        head_delegation_ids=[ours["id"]],
    )
    restricted = tt.scheduled(
        room,
        "2025-11-17T12:00:00",
        "2025-11-17T13:00:00",
        visibility="restricted",
        head_delegation_ids=[ours["id"]],
    )
    tt.assign(public["id"], me, expect=200)
    tt.assign(restricted["id"], colleague, expect=200)
    request = tt.post(
        f"/v1/meetings/{tt.id}/bilateral-requests",
        {
            "requester_delegation_id": ours["id"],
            "counterpart_delegation_id": theirs["id"],
            "slots": [{"starts_at": "2025-11-17T15:00:00", "ends_at": "2025-11-17T15:30:00"}],
        },
        expect=201,
    ).json()
    return tt, ours, me, colleague, public, restricted, request


def test_a_participant_with_its_delegations_claim_sees_the_public_and_its_own_only(api):
    tt, ours, me, colleague, public, restricted, request = _world(api)
    token = api.token_for("participant", delegation_id=ours["id"], subject=me)

    def call(method, path, **kw):
        return api.call("scheduling", method, path, token=token, **kw)

    # bilateral requests are for staff and the two focal points
    listed = call("GET", f"/v1/meetings/{tt.id}/bilateral-requests")
    assert listed.status_code == 403, listed.text
    assert request["id"] not in listed.text
    assert call("GET", f"/v1/bilateral-requests/{request['id']}").status_code == 403
    answer = call("POST", f"/v1/bilateral-requests/{request['id']}/decline", json={"reason": "No"})
    assert answer.status_code == 403
    # the delegation's people, heads, waiting and views are the focal point's
    for path in (
        f"/v1/sessions/{public['id']}/attendance",
        f"/v1/sessions/{public['id']}/waiting-list",
        f"/v1/delegations/{ours['id']}/sessions",
        f"/v1/delegations/{ours['id']}/session-waiting-list",
        f"/v1/meetings/{tt.id}/participants",
    ):
        assert call("GET", path).status_code == 403, path
    seen = call("GET", f"/v1/sessions/{public['id']}").json()
    assert seen["head_delegation_ids"] == []
    assert tt.get(f"/v1/sessions/{public['id']}")["head_delegation_ids"] == [ours["id"]]
    # its own schedule, and not its colleague's
    mine = call("GET", f"/v1/participants/{me}/sessions").json()
    assert [s["id"] for s in mine["items"]] == [public["id"]]
    assert call("GET", f"/v1/participants/{colleague}/sessions").status_code == 404
    assert call("GET", f"/v1/participants/{colleague}/calendar-link").status_code == 404
    assert call("GET", f"/v1/participants/{me}/calendar-link").status_code == 200
    assert call("GET", f"/v1/sessions/{restricted['id']}").status_code == 404
    timetable = call("GET", f"/v1/meetings/{tt.id}/sessions").json()
    assert [s["id"] for s in timetable["items"]] == [public["id"]]
    by_delegation = call("GET", f"/v1/meetings/{tt.id}/sessions?delegation_id={ours['id']}")
    assert by_delegation.status_code == 404
    # and it changes nothing of its delegation's
    taken_off = call("DELETE", f"/v1/sessions/{public['id']}/attendance/{me}")
    assert taken_off.status_code == 403
    assert tt.attendees(public["id"]) == {me}


def test_a_focal_point_without_a_delegation_claim_is_refused(api):
    tt, _, me, _, public, _, request = _world(api)
    token = api.token_for("focal_point", subject="fp-without-delegation")

    def call(method, path, **kw):
        return api.call("scheduling", method, path, token=token, **kw)

    attendance = call("GET", f"/v1/sessions/{public['id']}/attendance")
    assert attendance.status_code == 403, attendance.text
    assert me not in attendance.text
    listed = call("GET", f"/v1/meetings/{tt.id}/bilateral-requests")
    assert listed.status_code == 403, listed.text
    assert call("GET", f"/v1/bilateral-requests/{request['id']}").status_code == 403
    for path in (
        f"/v1/meetings/{tt.id}/sessions",
        f"/v1/sessions/{public['id']}",
        f"/v1/sessions/{public['id']}/waiting-list",
        f"/v1/participants/{me}/sessions",
    ):
        refused = call("GET", path)
        assert refused.status_code == 403, path
        assert "no delegation_id claim" in refused.json()["detail"]
    removed = call("DELETE", f"/v1/sessions/{public['id']}/attendance/{me}")
    assert removed.status_code == 403
    assert tt.attendees(public["id"]) == {me}
