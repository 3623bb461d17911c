"""Bilateral meeting requests between two delegations: requested -> counter-proposed -> accepted
(a session in a free bilateral room with both heads), declined, or refused when no slot works."""

import pytest
from scheduling_world import Timetable

from plenary_client import Conflict


def _slot(day: str, start: str, end: str) -> dict:
    return {"starts_at": f"{day}T{start}:00", "ends_at": f"{day}T{end}:00"}


async def test_request_counter_proposal_and_acceptance_schedule_a_bilateral(api, kafka):
    tt = Timetable(api)
    first_room = tt.room("Bilateral 1", capacity=8, bilateral=True)
    second_room = tt.room("Bilateral 2", capacity=8, bilateral=True)
    tt.room("Not for bilaterals", capacity=8)
    asking, asked, outsider = (
        tt.delegation(name="Asking"),
        tt.delegation(name="Asked"),
        tt.delegation(name="Outsider"),
    )
    fp = {
        d["id"]: api.token_for("focal_point", delegation_id=d["id"], subject=f"fp-{d['name']}")
        for d in (asking, asked, outsider)
    }
    request = (
        api.plenary(fp[asking["id"]])
        .scheduling.request_bilateral(
            tt.id,
            {
                "requester_delegation_id": asking["id"],
                "counterpart_delegation_id": asked["id"],
                "slots": [_slot("2025-11-17", "10:00", "10:30")],
                "agenda": "Trade and transit",
            },
        )
        .model_dump(mode="json")
    )
    assert (request["status"], request["awaiting_delegation_id"]) == ("requested", asked["id"])
    assert request["slots"][0]["starts_at"] == "2025-11-17T10:00:00+03:00"
    # on someone else's behalf: refused (the authorization checks stay on raw requests)
    forged = tt.post(
        f"/v1/meetings/{tt.id}/bilateral-requests",
        {
            "requester_delegation_id": asked["id"],
            "counterpart_delegation_id": outsider["id"],
            "slots": [_slot("2025-11-17", "10:00", "10:30")],
        },
        token=fp[asking["id"]],
    )
    assert forged.status_code == 403

    def seen_by(delegation_id):
        return list(api.plenary(fp[delegation_id]).scheduling.iter_list_bilaterals(tt.id))

    assert [str(r.id) for r in seen_by(asked["id"])] == [request["id"]]
    assert seen_by(outsider["id"]) == []
    path = f"/v1/bilateral-requests/{request['id']}"
    assert api.call("scheduling", "GET", path, token=fp[outsider["id"]]).status_code == 404
    early = tt.post(f"{path}/acceptance", {}, token=fp[asking["id"]])
    assert early.status_code == 403 and "awaits the other delegation" in early.json()["detail"]

    countered = api.plenary(fp[asked["id"]]).scheduling.counter_propose(
        request["id"],
        {"slots": [_slot("2025-11-17", "12:00", "12:30"), _slot("2025-11-17", "14:00", "14:30")]},
    )
    assert (countered.status, str(countered.awaiting_delegation_id)) == (
        "counter_proposed",
        asking["id"],
    )
    assert tt.post(f"{path}/acceptance", {}, token=fp[asked["id"]]).status_code == 403

    # the first bilateral room is taken at 12:00: the second one is used
    tt.scheduled(first_room, "2025-11-17T11:45:00", "2025-11-17T12:45:00", format="bilateral")
    accepted = (
        api.plenary(fp[asking["id"]])
        .scheduling.accept_bilateral(request["id"], {})
        .model_dump(mode="json")
    )
    assert accepted["status"] == "accepted"
    session = tt.client.scheduling.get_session(accepted["session_id"]).model_dump(mode="json")
    assert (session["format"], session["visibility"], session["room_id"]) == (
        "bilateral",
        "restricted",
        second_room,
    )
    assert session["starts_at"] == "2025-11-17T12:00:00+03:00"
    assert sorted(session["head_delegation_ids"]) == sorted([asking["id"], asked["id"]])
    assert session["title"] == "Bilateral meeting: Asking - Asked"
    # both delegations see it in their view; the outsider does not
    for mine in (asking["id"], asked["id"]):
        view = api.plenary(fp[mine]).scheduling.iter_delegation_sessions(mine)
        assert accepted["session_id"] in {str(s.id) for s in view}
    outsiders = api.plenary(fp[outsider["id"]]).scheduling.iter_list_sessions(tt.id)
    assert accepted["session_id"] not in {str(s.id) for s in outsiders}
    hidden = api.call(
        "scheduling", "GET", f"/v1/sessions/{accepted['session_id']}", token=fp[outsider["id"]]
    )
    assert hidden.status_code == 404
    with pytest.raises(Conflict) as twice:
        tt.client.scheduling.accept_bilateral(request["id"], {})
    assert twice.value.extras["current_status"] == "accepted"

    types = [
        e["type"]
        for _, e in await kafka.wait_events(
            "scheduling.events", subject=request["id"], event_type=None
        )
    ]
    assert types == [
        "scheduling.bilateral.requested",
        "scheduling.bilateral.counter_proposed",
        "scheduling.bilateral.accepted",
    ]


def test_a_declined_request_cannot_be_accepted_and_a_busy_head_blocks_every_slot(api):
    tt = Timetable(api)
    tt.room("Bilateral", capacity=6, bilateral=True)
    one, two = tt.delegation(name="One"), tt.delegation(name="Two")
    scheduling = tt.client.scheduling
    declined = scheduling.request_bilateral(
        tt.id,
        {
            "requester_delegation_id": one["id"],
            "counterpart_delegation_id": two["id"],
            "slots": [_slot("2025-11-18", "09:00", "09:30")],
        },
    )
    out = scheduling.decline_bilateral(declined.id, {"reason": "Schedule full"})
    assert out.status == "declined"
    with pytest.raises(Conflict, match="already declined"):
        scheduling.accept_bilateral(declined.id, {})

    busy = tt.scheduled(
        tt.room(),
        "2025-11-18T10:00:00",
        "2025-11-18T12:00:00",
        title="Plenary with heads",
        head_delegation_ids=[two["id"]],
    )
    blocked = scheduling.request_bilateral(
        tt.id,
        {
            "requester_delegation_id": one["id"],
            "counterpart_delegation_id": two["id"],
            "slots": [_slot("2025-11-18", "10:30", "11:00"), _slot("2025-11-18", "11:30", "12:00")],
        },
    )
    with pytest.raises(Conflict) as refused:
        scheduling.accept_bilateral(blocked.id, {})
    assert refused.value.detail.count("Plenary with heads") == 2
    assert busy["id"] in refused.value.detail
    assert scheduling.get_bilateral(blocked.id).status == "requested"
    # the HTTP contract: a slot the request does not have is refused
    wrong = tt.post(f"/v1/bilateral-requests/{blocked.id}/acceptance", {"slot": 5})
    assert wrong.status_code == 422 and "has 2 slot(s)" in wrong.json()["detail"]
