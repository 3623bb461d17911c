"""The timetable seen by day, by room, by delegation and by participant, with filters, search,
sorting and pagination; retried commands act once; concurrent bookings never double-book."""

from concurrent.futures import ThreadPoolExecutor

from scheduling_world import Timetable


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
    tt.post(f"/v1/sessions/{s3['id']}/cancellation", {"reason": "Moved online"}, expect=200)

    def ids(page):
        return [s["id"] for s in page["items"]]

    meeting = f"/v1/meetings/{tt.id}/sessions"
    assert ids(tt.get(meeting, day="2025-11-17", sort="room")) == [s2["id"], s1["id"]]
    assert ids(tt.get(meeting, day="2025-11-17", sort="title")) == [s1["id"], s2["id"]]
    assert ids(tt.get(meeting, status="cancelled")) == [s3["id"]]
    assert ids(tt.get(meeting, visibility="restricted")) == [s2["id"]]
    assert ids(tt.get(meeting, q="gamma")) == [s3["id"]]
    assert ids(tt.get(meeting, room_id=annex)) == [s2["id"]]
    assert ids(tt.get(f"/v1/rooms/{hall}/sessions")) == [s1["id"], s3["id"]]
    assert ids(tt.get(f"/v1/rooms/{hall}/sessions", day="2025-11-18")) == [s3["id"]]
    assert ids(tt.get(f"/v1/delegations/{theirs['id']}/sessions")) == [s2["id"], s3["id"]]
    assert ids(tt.get(meeting, delegation_id=ours["id"])) == [s1["id"], s3["id"]]
    assert ids(tt.get(f"/v1/participants/{person}/sessions", day="2025-11-17")) == [s1["id"]]
    first = tt.get(meeting, limit=2)
    assert (first["total"], len(first["items"]), first["limit"]) == (3, 2, 2)
    assert tt.get(meeting, limit=2, offset=2)["items"][0]["id"] == s3["id"]
    people = tt.get(f"/v1/meetings/{tt.id}/participants", delegation_id=ours["id"])
    assert [p["application_id"] for p in people["items"]] == [person]

    # a focal point sees public sessions and its own delegation's; never another's restricted one
    fp = api.token_for("focal_point", delegation_id=ours["id"], subject="fp-ours")
    seen = api.call("scheduling", "GET", meeting, token=fp).json()
    assert ids(seen) == [s1["id"], s3["id"]]
    assert api.call("scheduling", "GET", f"/v1/sessions/{s2['id']}", token=fp).status_code == 404
    for path in (
        f"/v1/delegations/{theirs['id']}/sessions",
        f"/v1/participants/{stranger}/sessions",
        f"{meeting}?delegation_id={theirs['id']}",
    ):
        assert api.call("scheduling", "GET", path, token=fp).status_code == 404, path
    # a participant sees its own schedule, also restricted sessions it attends
    own = api.token_for("participant", subject=stranger)
    mine = api.call("scheduling", "GET", f"/v1/participants/{stranger}/sessions", token=own)
    assert ids(mine.json()) == [s2["id"], s3["id"]]
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
    key = {"Idempotency-Key": f"session-{tt.id}"}
    first = tt.post(f"/v1/meetings/{tt.id}/sessions", body, headers=key, expect=201).json()
    again = tt.post(f"/v1/meetings/{tt.id}/sessions", body, headers=key, expect=201).json()
    assert first["id"] == again["id"]
    assign_key = {"Idempotency-Key": f"assign-{tt.id}"}
    for _ in range(2):
        tt.assign(first["id"], person, headers=assign_key, expect=200)
    move_key = {"Idempotency-Key": f"move-{tt.id}"}
    for _ in range(2):
        response = api.call(
            "scheduling",
            "PATCH",
            f"/v1/sessions/{first['id']}",
            json={"starts_at": "2025-11-17T12:00:00", "ends_at": "2025-11-17T13:00:00"},
            headers=move_key,
        )
        assert response.status_code == 200, response.text
    assert tt.get(f"/v1/sessions/{first['id']}")["sequence"] == 1
    reused = tt.post(f"/v1/meetings/{tt.id}/sessions", {**body, "title": "Other"}, headers=key)
    assert reused.status_code == 422 and "already used" in reused.json()["detail"]
    await kafka.wait_events(
        "scheduling.events", event_type="scheduling.session.moved", subject=first["id"]
    )
    events = await kafka.events("scheduling.events", subject=first["id"])
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
    assert tt.get(f"/v1/rooms/{room}/sessions")["total"] == 1

    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    rivals = [
        tt.scheduled(tt.room(), "2025-11-18T14:00:00", "2025-11-18T15:00:00")["id"]
        for _ in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assigned = list(pool.map(lambda s: tt.assign(s, person), rivals))
    assert sorted(r.status_code for r in assigned) == [200, 409, 409, 409]
    assert tt.get(f"/v1/participants/{person}/sessions")["total"] == 1
