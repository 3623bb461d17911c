"""The timetable seen by day, by room, by delegation and by participant, with filters, search,
sorting and pagination; retried commands act once; concurrent bookings never double-book."""

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from scheduling_world import Timetable

from plenary_client import Invalid


def test_views_by_day_room_delegation_and_participant(api):
    tt = Timetable(api)
    hall, annex = tt.room("Hall"), tt.room("Annex")
    ours, theirs = tt.delegation(name="Ours"), tt.delegation(name="Theirs")
    person, stranger = tt.accredited(ours["id"]), tt.accredited(theirs["id"])
    s1 = tt.scheduled(hall, "2025-11-17T09:00:00", "2025-11-17T10:00:00", title="Alpha briefing")
    s2 = tt.scheduled(
        annex,
        "2025-11-17T09:00:00",
        "2025-11-17T10:00:00",
        title="Beta talks",
        format="restricted",
        visibility="restricted",
        head_delegation_ids=[theirs["id"]],
    )
    s3 = tt.scheduled(hall, "2025-11-18T09:00:00", "2025-11-18T10:00:00", title="Gamma lunch")
    tt.assign(s1["id"], person, expect=200)
    tt.assign(s3["id"], person, stranger, expect=200)
    tt.assign(s2["id"], stranger, expect=200)
    scheduling = tt.client.scheduling
    scheduling.cancel_session(s3["id"], {"reason": "Moved online"})

    def ids(page):
        return [str(s.id) for s in page.items]

    sessions = partial(scheduling.list_sessions, tt.id)
    assert ids(sessions(day="2025-11-17", sort="room")) == [s2["id"], s1["id"]]
    assert ids(sessions(day="2025-11-17", sort="title")) == [s1["id"], s2["id"]]
    assert ids(sessions(status="cancelled")) == [s3["id"]]
    assert ids(sessions(visibility="restricted")) == [s2["id"]]
    assert ids(sessions(q="gamma")) == [s3["id"]]
    assert ids(sessions(room_id=annex)) == [s2["id"]]
    assert ids(scheduling.room_sessions(hall)) == [s1["id"], s3["id"]]
    assert ids(scheduling.room_sessions(hall, day="2025-11-18")) == [s3["id"]]
    assert ids(scheduling.delegation_sessions(theirs["id"])) == [s2["id"], s3["id"]]
    assert ids(sessions(delegation_id=ours["id"])) == [s1["id"], s3["id"]]
    assert ids(scheduling.participant_sessions(person, day="2025-11-17")) == [s1["id"]]
    first = sessions(limit=2)
    assert (first.total, len(first.items), first.limit) == (3, 2, 2)
    assert str(sessions(limit=2, offset=2).items[0].id) == s3["id"]
    people = scheduling.list_participants(tt.id, delegation_id=ours["id"])
    assert [str(p.application_id) for p in people.items] == [person]

    # a focal point sees public sessions and its own delegation's; never another's restricted one
    fp = api.token_for("focal_point", delegation_id=ours["id"], subject="fp-ours")
    assert ids(api.plenary(fp).scheduling.list_sessions(tt.id)) == [s1["id"], s3["id"]]
    # the authorization matrix stays on raw requests
    meeting = f"/v1/meetings/{tt.id}/sessions"
    assert api.call("scheduling", "GET", f"/v1/sessions/{s2['id']}", token=fp).status_code == 404
    for path in (
        f"/v1/delegations/{theirs['id']}/sessions",
        f"/v1/participants/{stranger}/sessions",
        f"{meeting}?delegation_id={theirs['id']}",
    ):
        assert api.call("scheduling", "GET", path, token=fp).status_code == 404, path
    # a participant sees its own schedule, also restricted sessions it attends
    own = api.token_for("participant", subject=stranger)
    mine = api.plenary(own).scheduling.participant_sessions(stranger)
    assert ids(mine) == [s2["id"], s3["id"]]
    assert api.call("scheduling", "GET", f"/v1/sessions/{s2['id']}", token=own).status_code == 200
    bad = api.call("scheduling", "GET", meeting, params={"sort": "mood"})
    assert bad.status_code == 422 and "sort" in bad.json()["detail"]


async def test_retried_commands_act_once(api, kafka):
    tt = Timetable(api)
    room = tt.room()
    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    body = {
        "title": "Once",
        "format": "plenary",
        "room_id": room,
        "starts_at": "2025-11-17T10:00:00",
        "ends_at": "2025-11-17T11:00:00",
    }
    scheduling = tt.client.scheduling
    key = f"session-{tt.id}"
    first = scheduling.schedule_session(tt.id, body, idempotency_key=key)
    again = scheduling.schedule_session(tt.id, body, idempotency_key=key)
    assert first.id == again.id
    for _ in range(2):
        scheduling.assign_attendance(
            first.id, {"application_ids": [person]}, idempotency_key=f"assign-{tt.id}"
        )
    move = {"starts_at": "2025-11-17T12:00:00", "ends_at": "2025-11-17T13:00:00"}
    for _ in range(2):
        scheduling.update_session(first.id, move, idempotency_key=f"move-{tt.id}")
    assert scheduling.get_session(first.id).sequence == 1
    with pytest.raises(Invalid, match="already used"):
        scheduling.schedule_session(tt.id, {**body, "title": "Other"}, idempotency_key=key)
    await kafka.wait_events(
        "scheduling.events", event_type="scheduling.session.moved", subject=str(first.id)
    )
    events = await kafka.events("scheduling.events", subject=str(first.id))
    assert sorted(e["type"] for _, e in events) == [
        "scheduling.attendance.assigned",
        "scheduling.session.moved",
        "scheduling.session.scheduled",
    ]


def test_concurrent_bookings_of_one_room_and_one_person_never_double_book(api):
    tt = Timetable(api)
    room = tt.room()

    def book(i):
        return tt.session(room, "2025-11-18T10:00:00", "2025-11-18T11:00:00", title=f"Race {i}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(book, range(6)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409, 409]
    assert tt.client.scheduling.room_sessions(room).total == 1

    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    rivals = [
        tt.scheduled(tt.room(), "2025-11-18T14:00:00", "2025-11-18T15:00:00")["id"]
        for _ in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assigned = list(pool.map(lambda s: tt.assign(s, person), rivals))
    assert sorted(r.status_code for r in assigned) == [200, 409, 409, 409]
    assert tt.client.scheduling.participant_sessions(person).total == 1
