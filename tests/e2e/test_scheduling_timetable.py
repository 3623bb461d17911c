"""The timetable through the running services: venues, rooms, sessions of every format in local
time, and every conflict kind refused with the clashing session named, or reported by a dry-run."""

import json
import uuid

import pytest
from scheduling_world import Timetable
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_devstack.testing import wait_for
from plenary_shared.vocabulary import SessionFormat


@pytest.fixture(scope="module")
def tt(api):
    return Timetable(api)


async def test_sessions_of_every_format_are_stored_in_utc_and_shown_in_local_time(api, kafka):
    tt = Timetable(api, timezone="Asia/Bishkek", starts_on="2026-07-14", ends_on="2026-07-15")
    room = tt.room("Ala-Archa Hall", capacity=120, access_zone="A", languages=["ru", "en", "zh"])
    scheduling = tt.client.scheduling
    assert scheduling.get_room(room).languages == ["en", "ru", "zh"]
    created = []
    for hour, session_format in enumerate(SessionFormat):
        created.append(
            tt.scheduled(
                room,
                f"2026-07-14T{8 + hour:02d}:00:00",
                f"2026-07-14T{8 + hour:02d}:45:00",
                format=session_format.value,
                title=f"{session_format.value} session",
                titles={"ru": f"Заседание {hour}", "zh": f"会议 {hour}"},
                visibility="public",
            )
        )
    first = created[0]
    assert first["starts_at"] == "2026-07-14T08:00:00+06:00"
    assert first["starts_at_utc"] == "2026-07-14T02:00:00Z"
    assert (first["timezone"], first["room"], first["venue"]) == (
        "Asia/Bishkek",
        "Ala-Archa Hall",
        "Main venue",
    )
    # a time given with an offset is the same instant, shown in the venue's zone
    offset = tt.scheduled(room, "2026-07-15T03:00:00Z", "2026-07-15T04:00:00Z", format="plenary")
    assert offset["starts_at"] == "2026-07-15T09:00:00+06:00"

    listed = scheduling.list_sessions(tt.id, day="2026-07-14", lang="ru")
    assert listed.total == len(SessionFormat)
    assert {s.format for s in listed.items} == {f.value for f in SessionFormat}
    assert listed.items[0].title == "Заседание 0"
    assert scheduling.list_sessions(tt.id, day="2026-07-15").total == 1
    only = scheduling.list_sessions(tt.id, format=["bilateral", "cultural"])
    assert {s.format for s in only.items} == {"bilateral", "cultural"}
    assert scheduling.list_sessions(tt.id, q="会议 3").total == 1
    paged = scheduling.list_sessions(tt.id, limit=3, offset=3)
    assert (paged.total, len(paged.items)) == (len(SessionFormat) + 1, 3)
    assert str(paged.items[0].id) == created[3]["id"]

    published = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.session.scheduled", subject=first["id"]
    )
    data = json.loads(published[0][0].value)["data"]
    assert data["starts_at"] in ("2026-07-14T02:00:00Z", "2026-07-14T02:00:00+00:00")
    assert (data["timezone"], data["room"], data["titles"]["ru"]) == (
        "Asia/Bishkek",
        "Ala-Archa Hall",
        "Заседание 0",
    )
    assert [v.name for v in scheduling.iter_list_venues(tt.id)] == ["Main venue"]
    assert scheduling.list_rooms(tt.id, min_capacity=100).total == 1
    assert scheduling.list_rooms(tt.id, min_capacity=121).total == 0


def test_a_room_booked_twice_is_refused_naming_the_session_with_changeover(tt):
    room = tt.room()
    first = tt.scheduled(room, "2025-11-17T10:00:00", "2025-11-17T11:00:00", title="Opening")
    overlap = tt.session(room, "2025-11-17T10:30:00", "2025-11-17T11:30:00")
    assert overlap.status_code == 409
    body = overlap.json()
    assert "Opening" in body["detail"] and first["id"] in body["detail"]
    assert [c["kind"] for c in body["conflicts"]] == ["room"]
    assert body["conflicts"][0]["session_id"] == first["id"]
    # 15 minutes of changeover by default: 11:05 is too early, 11:15 is fine
    early = tt.session(room, "2025-11-17T11:05:00", "2025-11-17T12:00:00")
    assert early.status_code == 409
    assert "15 min changeover" in early.json()["detail"]
    tt.scheduled(room, "2025-11-17T11:15:00", "2025-11-17T12:00:00")
    # a cancelled session frees its room
    cancelled = tt.post(
        f"/v1/sessions/{first['id']}/cancellation", {"reason": "Programme changed"}, expect=200
    ).json()
    assert (cancelled["status"], cancelled["sequence"]) == ("cancelled", 1)
    tt.scheduled(room, "2025-11-17T10:00:00", "2025-11-17T10:45:00")
    again = tt.post(f"/v1/sessions/{first['id']}/cancellation", {"reason": "twice"})
    assert again.status_code == 409
    stale = tt.post(f"/v1/meetings/{tt.id}/conflict-check", {"session_id": first["id"]})
    assert stale.status_code == 409 and "cancelled" in stale.json()["detail"]


def test_a_participant_in_two_sessions_at_once_is_refused_and_nothing_is_half_done(tt):
    delegation = tt.delegation()
    busy = tt.accredited(delegation["id"], given_name="Busy", family_name="Person")
    free = tt.accredited(delegation["id"])
    first = tt.scheduled(tt.room(), "2025-11-18T09:00:00", "2025-11-18T10:00:00", title="Panel A")
    tt.assign(first["id"], busy, expect=200)
    second = tt.scheduled(tt.room(), "2025-11-18T09:30:00", "2025-11-18T10:30:00")
    refused = tt.assign(second["id"], free, busy)
    assert refused.status_code == 409
    assert "Busy Person" in refused.json()["detail"] and "Panel A" in refused.json()["detail"]
    assert [c["kind"] for c in refused.json()["conflicts"]] == ["participant"]
    assert tt.attendees(second["id"]) == set(), "all or none"
    tt.assign(second["id"], free, expect=200)
    # moving a session onto its attendee's other session is refused too
    later = tt.scheduled(tt.room(), "2025-11-18T11:00:00", "2025-11-18T12:00:00")
    tt.assign(later["id"], busy, expect=200)
    move = tt.api.call(
        "scheduling",
        "PATCH",
        f"/v1/sessions/{later['id']}",
        json={"starts_at": "2025-11-18T09:45:00", "ends_at": "2025-11-18T10:45:00"},
    )
    assert move.status_code == 409 and "Panel A" in move.json()["detail"]
    moved = tt.client.scheduling.get_session(later["id"])
    assert moved.starts_at.isoformat() == "2025-11-18T11:00:00+03:00"


def test_a_head_of_delegation_in_two_sessions_at_once_is_refused(tt):
    delegation = tt.delegation(name="Republic of Testland")
    first = tt.scheduled(
        tt.room(),
        "2025-11-18T13:00:00",
        "2025-11-18T14:00:00",
        format="restricted",
        title="Restricted talks",
        head_delegation_ids=[delegation["id"]],
    )
    assert first["head_delegation_ids"] == [delegation["id"]]
    clash = tt.session(
        tt.room(),
        "2025-11-18T13:30:00",
        "2025-11-18T14:30:00",
        head_delegation_ids=[delegation["id"]],
    )
    assert clash.status_code == 409
    detail = clash.json()["detail"]
    assert "head of delegation of Republic of Testland" in detail and "Restricted talks" in detail
    other = tt.scheduled(tt.room(), "2025-11-18T13:30:00", "2025-11-18T14:30:00")
    added = tt.post(f"/v1/sessions/{other['id']}/heads", {"delegation_ids": [delegation["id"]]})
    assert added.status_code == 409 and added.json()["conflicts"][0]["kind"] == "head"
    assert tt.client.scheduling.get_session(other["id"]).head_delegation_ids == []


def test_the_dry_run_reports_every_conflict_and_saves_nothing(tt):
    delegation = tt.delegation(name="Dry Run Republic")
    person = tt.accredited(delegation["id"], given_name="Dry", family_name="Runner")
    small = tt.room(capacity=1)
    booked = tt.scheduled(
        small,
        "2025-11-17T15:00:00",
        "2025-11-17T16:00:00",
        title="Already here",
        head_delegation_ids=[delegation["id"]],
    )
    elsewhere = tt.scheduled(tt.room(), "2025-11-17T15:00:00", "2025-11-17T16:00:00")
    tt.assign(elsewhere["id"], person, expect=200)
    before = tt.client.scheduling.list_sessions(tt.id).total
    proposal = {
        "format": "plenary",
        "room_id": small,
        "starts_at": "2025-11-17T15:30:00",
        "ends_at": "2025-11-17T16:30:00",
        "application_ids": [person],
        "head_delegation_ids": [delegation["id"]],
    }
    scheduling = tt.client.scheduling
    report = scheduling.check_conflicts(tt.id, proposal)
    assert report.ok is False
    kinds = sorted(c.kind for c in report.conflicts)
    assert kinds == ["capacity", "head", "participant", "room"]
    named = {c.kind: str(c.session_id) for c in report.conflicts}
    assert named["room"] == booked["id"] and named["head"] == booked["id"]
    assert named["participant"] == elsewhere["id"]
    assert scheduling.list_sessions(tt.id).total == before
    # a change to an existing session: moved into a free slot it is fine
    fine = scheduling.check_conflicts(
        tt.id,
        {
            "session_id": booked["id"],
            "starts_at": "2025-11-17T17:00:00",
            "ends_at": "2025-11-17T18:00:00",
        },
    )
    assert (fine.ok, fine.conflicts) == (True, [])
    unmoved = scheduling.get_session(booked["id"])
    assert unmoved.starts_at.isoformat() == "2025-11-17T15:00:00+03:00"


def test_only_accredited_participants_may_be_assigned(tt, api):
    delegation = tt.delegation()
    application = api.nominate(tt.id, delegation["id"]).json()
    api.wait_state(application["id"])  # nominated, not accredited
    session = tt.scheduled(tt.room(), "2025-11-18T16:00:00", "2025-11-18T17:00:00")
    refused = tt.assign(session["id"], application["id"])
    assert refused.status_code == 409
    assert "not accredited" in refused.json()["detail"]
    assert refused.json()["conflicts"][0]["kind"] == "accreditation"


async def test_a_participant_not_yet_learnt_from_events_is_asked_of_registration(tt, platform):
    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    # the projection lags behind: scheduling has not yet recorded the accreditation
    engine = create_async_engine(
        platform.service_urls["scheduling"],
        connect_args={"server_settings": {"search_path": "scheduling"}},
    )
    async with engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM participants WHERE application_id = :a"), {"a": uuid.UUID(person)}
        )
    await engine.dispose()
    session = tt.scheduled(tt.room(), "2025-11-18T18:15:00", "2025-11-18T19:00:00")
    tt.assign(session["id"], person, expect=200)
    assert tt.attendees(session["id"]) == {person}
    tt.wait_participant(person)
    assert str(tt.client.scheduling.calendar_link(person).url).endswith(".ics")


def test_seats_per_format_follow_the_delegations_quotas(tt, api):
    delegation = tt.delegation(session_seats={"restricted": 2})
    people = [tt.accredited(delegation["id"]) for _ in range(3)]
    restricted = tt.scheduled(
        tt.room(), "2025-11-17T12:00:00", "2025-11-17T13:00:00", format="restricted"
    )
    too_many = tt.assign(restricted["id"], *people)
    assert too_many.status_code == 409
    assert "2 seat(s) in restricted sessions" in too_many.json()["detail"]
    assert tt.attendees(restricted["id"]) == set()
    tt.assign(restricted["id"], *people[:2], expect=200)
    assert tt.assign(restricted["id"], people[2]).status_code == 409
    # no seat limit in another format
    plenary = tt.scheduled(tt.room(), "2025-11-17T13:15:00", "2025-11-17T14:00:00")
    tt.assign(plenary["id"], *people, expect=200)
    # the delegation's quota raised: scheduling follows its event
    api.plenary().delegation.change_quotas(delegation["id"], {"session_seats": {"restricted": 3}})
    wait_for(
        lambda: tt.assign(restricted["id"], people[2]).status_code == 200,
        what="the raised seat quota to reach scheduling",
    )
    assert tt.attendees(restricted["id"]) == set(people)


def test_room_capacity_is_enforced_on_assignment_and_on_re_rooming(tt):
    delegation = tt.delegation()
    people = [tt.accredited(delegation["id"]) for _ in range(3)]
    small = tt.room(capacity=2)
    session = tt.scheduled(small, "2025-11-18T17:00:00", "2025-11-18T18:00:00")
    full = tt.assign(session["id"], *people)
    assert full.status_code == 409 and "holds 2 people" in full.json()["detail"]
    big = tt.scheduled(tt.room(capacity=10), "2025-11-18T17:00:00", "2025-11-18T18:00:00")
    tt.assign(big["id"], *people, expect=200)
    shrink = tt.api.call(
        "scheduling", "PATCH", f"/v1/sessions/{big['id']}", json={"room_id": tt.room(capacity=2)}
    )
    assert shrink.status_code == 409 and "holds 2 people" in shrink.json()["detail"]


def test_a_focal_point_assigns_only_its_own_people(tt, api):
    mine, theirs = tt.delegation(), tt.delegation()
    my_person, their_person = tt.accredited(mine["id"]), tt.accredited(theirs["id"])
    session = tt.scheduled(tt.room(), "2025-11-17T17:00:00", "2025-11-17T18:00:00")
    token = api.token_for("focal_point", delegation_id=mine["id"], subject="fp-mine")
    refused = tt.assign(session["id"], their_person, token=token)
    assert refused.status_code == 403
    ok = tt.assign(session["id"], my_person, token=token)
    assert ok.status_code == 200
    assert {a["application_id"] for a in ok.json()["items"]} == {my_person}
    tt.assign(session["id"], their_person, expect=200)
    seen = api.plenary(token).scheduling.list_attendance(session["id"])
    assert {str(a.application_id) for a in seen.items} == {my_person}
    gone = api.call(
        "scheduling",
        "DELETE",
        f"/v1/sessions/{session['id']}/attendance/{their_person}",
        token=token,
    )
    assert gone.status_code == 404
    assert tt.attendees(session["id"]) == {my_person, their_person}
