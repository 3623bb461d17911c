"""Schedule versions and their changelog, the events each change publishes, and the iCalendar
feeds parsed back with `icalendar`, local times right across a DST change."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from scheduling_world import Timetable

from plenary_client import NotFound
from plenary_devstack.testing import wait_for


def _patch(tt, session_id, body) -> dict:
    return tt.client.scheduling.update_session(session_id, body).model_dump(mode="json")


async def test_versions_freeze_the_timetable_and_the_changelog_names_every_change(api, kafka):
    tt = Timetable(api)
    hall, annex = tt.room("Hall"), tt.room("Annex")
    moved = tt.scheduled(hall, "2025-11-17T10:00:00", "2025-11-17T11:00:00", title="Moved")
    reroomed = tt.scheduled(hall, "2025-11-17T12:00:00", "2025-11-17T13:00:00", title="Rerooms")
    cancelled = tt.scheduled(annex, "2025-11-17T10:00:00", "2025-11-17T11:00:00", title="Cancel")
    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    tt.assign(moved["id"], person, expect=200)

    scheduling = tt.client.scheduling
    key = "publish-v1-" + tt.id
    v1 = scheduling.publish_version(tt.id, {"note": "first"}, idempotency_key=key)
    again = scheduling.publish_version(tt.id, {"note": "first"}, idempotency_key=key)
    assert v1.number == again.number == 1
    assert len(v1.sessions or []) == 3

    _patch(tt, moved["id"], {"starts_at": "2025-11-17T15:00:00", "ends_at": "2025-11-17T16:00:00"})
    assert _patch(tt, reroomed["id"], {"room_id": annex})["room"] == "Annex"
    scheduling.cancel_session(cancelled["id"], {"reason": "Merged"})
    added = tt.scheduled(annex, "2025-11-18T09:00:00", "2025-11-18T10:00:00", title="Added")
    assert scheduling.publish_version(tt.id, {"note": "second"}).number == 2

    log = scheduling.changelog(tt.id, from_=1, to=2)
    kinds = {str(c.session_id): c.kinds for c in log.changes}
    assert kinds == {
        moved["id"]: ["moved"],
        reroomed["id"]: ["re-roomed"],
        cancelled["id"]: ["cancelled"],
        added["id"]: ["added"],
    }
    by_id = {str(c.session_id): c for c in log.changes}
    previous = by_id[moved["id"]].previous_starts_at
    assert previous is not None and previous.isoformat() == "2025-11-17T10:00:00+03:00"
    assert by_id[moved["id"]].starts_at.isoformat() == "2025-11-17T15:00:00+03:00"
    assert (by_id[reroomed["id"]].previous_room, by_id[reroomed["id"]].room) == ("Hall", "Annex")
    # version 1 stays frozen; nothing changed since version 2
    frozen = scheduling.get_version(tt.id, 1).sessions or []
    assert {s["id"]: s["starts_at"] for s in frozen}[moved["id"]].startswith("2025-11-17T07:00")
    assert scheduling.changelog(tt.id, from_=2).changes == []
    assert [v.number for v in scheduling.iter_list_versions(tt.id)] == [2, 1]
    with pytest.raises(NotFound, match="version 7"):
        scheduling.changelog(tt.id, from_=7)

    published = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.schedule.published", subject=tt.id
    )
    assert sorted(e["data"]["version_number"] for _, e in published) == [1, 2]
    second = next(e["data"] for _, e in published if e["data"]["version_number"] == 2)
    assert {c["session_id"]: c["kinds"] for c in second["changes"]} == kinds

    (_, move), *_ = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.session.moved", subject=moved["id"]
    )
    data = move["data"]
    assert data["previous_starts_at"].startswith("2025-11-17T07:00:00")
    assert data["starts_at"].startswith("2025-11-17T12:00:00")
    assert (data["timezone"], data["sequence"], data["title"]) == ("Europe/Moscow", 1, "Moved")
    (_, reroom), *_ = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.session.reroomed", subject=reroomed["id"]
    )
    assert (reroom["data"]["previous_room"], reroom["data"]["room"]) == ("Hall", "Annex")
    (_, cancel), *_ = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.session.cancelled", subject=cancelled["id"]
    )
    assert cancel["data"]["reason"] == "Merged"
    (_, assigned), *_ = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.attendance.assigned", subject=moved["id"]
    )
    assert {k: assigned["data"][k] for k in ("application_id", "delegation_id", "meeting_id")} == {
        "application_id": person,
        "delegation_id": delegation["id"],
        "meeting_id": tt.id,
    }


def _events(ics: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(ics)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_calendars_keep_uids_raise_sequence_and_local_times_across_a_dst_change(api):
    # Berlin leaves summer time in the night of 25 to 26 October 2025
    tt = Timetable(api, timezone="Europe/Berlin", starts_on="2025-10-24", ends_on="2025-10-28")
    room = tt.room("Saal 1")
    before = tt.scheduled(room, "2025-10-25T10:00:00", "2025-10-25T11:00:00", title="Before")
    after = tt.scheduled(room, "2025-10-27T10:00:00", "2025-10-27T11:00:00", title="After")
    dropped = tt.scheduled(room, "2025-10-24T10:00:00", "2025-10-24T11:00:00", title="Dropped")
    secret = tt.scheduled(
        room, "2025-10-28T10:00:00", "2025-10-28T11:00:00", title="Secret", visibility="restricted"
    )
    assert before["starts_at_utc"] == "2025-10-25T08:00:00Z"
    assert after["starts_at_utc"] == "2025-10-27T09:00:00Z"

    public_url = f"/calendars/meetings/{tt.id}.ics"
    with httpx.Client(base_url=api.platform.url("scheduling")) as anonymous:
        first = anonymous.get(public_url)
        assert first.status_code == 200 and first.headers["content-type"].startswith(
            "text/calendar"
        )
        events = _events(first.content)
        assert set(events) == {f"{s['id']}@plenary" for s in (before, after, dropped)}
        berlin = ZoneInfo("Europe/Berlin")
        for session in (before, after):
            start = events[f"{session['id']}@plenary"].decoded("DTSTART")
            assert (start.hour, start.minute) == (10, 0)
            assert start.utcoffset() == datetime.fromisoformat(session["starts_at"]).utcoffset()
            assert start.astimezone(berlin).hour == 10
        offsets = {
            events[f"{s['id']}@plenary"].decoded("DTSTART").utcoffset() for s in (before, after)
        }
        assert offsets == {timedelta(hours=2), timedelta(hours=1)}
        assert Calendar.from_ical(first.content).walk("VTIMEZONE")

        # moved: same UID, higher SEQUENCE; cancelled: STATUS:CANCELLED
        _patch(
            tt, before["id"], {"starts_at": "2025-10-26T10:00:00", "ends_at": "2025-10-26T11:00:00"}
        )
        tt.client.scheduling.cancel_session(dropped["id"], {"reason": "Weather"})
        events = _events(anonymous.get(public_url).content)
        moved = events[f"{before['id']}@plenary"]
        assert int(moved["SEQUENCE"]) == 1
        assert moved.decoded("DTSTART").utcoffset() == timedelta(hours=1)
        assert moved.decoded("DTSTART").hour == 10
        assert str(events[f"{dropped['id']}@plenary"]["STATUS"]) == "CANCELLED"
        assert int(events[f"{after['id']}@plenary"]["SEQUENCE"]) == 0

        # a personal feed behind an unguessable link: the participant's sessions only
        delegation = tt.delegation()
        person = tt.accredited(delegation["id"])
        tt.assign(secret["id"], person, expect=200)
        tt.assign(after["id"], person, expect=200)
        link = str(tt.client.scheduling.calendar_link(person).url)
        token = link.rsplit("/", 1)[1].removesuffix(".ics")
        assert len(token) >= 40
        personal = _events(anonymous.get(f"/calendars/participants/{token}.ics").content)
        assert set(personal) == {f"{secret['id']}@plenary", f"{after['id']}@plenary"}
        assert personal[f"{secret['id']}@plenary"].decoded("DTSTART").utcoffset() == timedelta(
            hours=1
        )
        guessed = anonymous.get(f"/calendars/participants/{token[:-1]}x.ics")
        assert guessed.status_code == 404
        own = api.token_for("participant", subject=person)
        assert str(api.plenary(own).scheduling.calendar_link(person).url) == link
        other = api.token_for("participant", subject=str(after["id"]))
        assert (
            api.call(
                "scheduling", "GET", f"/v1/participants/{person}/calendar-link", token=other
            ).status_code
            == 404
        )
        # a revoked participant's feed empties
        tt.client.registration.revoke(person, {"reason": "Left early"})
        wait_for(
            lambda: _events(anonymous.get(f"/calendars/participants/{token}.ics").content) == {},
            what="the revocation to empty the personal feed",
        )


def _revalidated(client: httpx.Client, url: str, etag: str) -> httpx.Response:
    return client.get(url, headers={"If-None-Match": etag})


def test_calendar_feeds_answer_conditional_gets(api):
    tt = Timetable(api)
    room = tt.room("Plenary hall")
    opening = tt.scheduled(room, "2025-11-17T10:00:00", "2025-11-17T11:00:00", title="Opening")
    closing = tt.scheduled(room, "2025-11-18T16:00:00", "2025-11-18T17:00:00", title="Closing")
    public_url = f"/calendars/meetings/{tt.id}.ics"
    with httpx.Client(base_url=api.platform.url("scheduling")) as anonymous:
        first = anonymous.get(public_url)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')
        assert first.headers["cache-control"] == "private, no-cache"
        assert "last-modified" not in first.headers  # no change time covers sessions leaving
        for held in (etag, "W/" + etag, f'"stale", {etag}', "*"):
            again = anonymous.get(public_url, headers={"If-None-Match": held})
            assert again.status_code == 304, held
            assert again.content == b""
            assert again.headers["etag"] == etag
        assert anonymous.get(public_url, headers={"If-None-Match": '"stale"'}).status_code == 200

        _patch(
            tt,
            opening["id"],
            {"starts_at": "2025-11-17T12:00:00", "ends_at": "2025-11-17T13:00:00"},
        )
        moved = _revalidated(anonymous, public_url, etag)
        assert moved.status_code == 200
        assert moved.headers["etag"] != etag
        assert moved.content != first.content
        event = _events(moved.content)[f"{opening['id']}@plenary"]
        assert event.decoded("DTSTART").hour == 12 and int(event["SEQUENCE"]) == 1
        assert _revalidated(anonymous, public_url, moved.headers["etag"]).status_code == 304

        # the personal feed behind its link likewise
        person = tt.accredited(tt.delegation()["id"])
        tt.assign(opening["id"], person, expect=200)
        link = tt.get(f"/v1/participants/{person}/calendar-link")["url"]
        personal_url = "/calendars/participants/" + link.rsplit("/", 1)[1]
        mine = anonymous.get(personal_url)
        assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-cache"
        assert _revalidated(anonymous, personal_url, mine.headers["etag"]).status_code == 304
        tt.assign(closing["id"], person, expect=200)
        added = _revalidated(anonymous, personal_url, mine.headers["etag"])
        assert added.status_code == 200 and added.headers["etag"] != mine.headers["etag"]
        assert set(_events(added.content)) == {f"{s['id']}@plenary" for s in (opening, closing)}
