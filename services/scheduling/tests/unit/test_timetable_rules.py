"""Unit tests of the timetable rules: local days across DST, seats, capacity, clashes, changelog,
bilateral slots and the session calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from plenary_scheduling.adapters.calendars import feed
from plenary_scheduling.domain.model import (
    Clash,
    Clashes,
    changelog,
    check_capacity,
    check_slots,
    ensure_open,
    local_day,
    room_clash,
    seats_left,
    span,
)
from plenary_shared.errors import Conflict, Invalid


def test_a_local_day_lasts_25_hours_when_summer_time_ends() -> None:
    start, end = local_day(date(2025, 10, 26), "Europe/Berlin")
    assert start == datetime(2025, 10, 25, 22, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=25)
    start, end = local_day(date(2025, 3, 30), "Europe/Berlin")
    assert end - start == timedelta(hours=23)


def test_span_reads_in_the_venue_zone() -> None:
    starts = datetime(2025, 11, 18, 7, 0, tzinfo=UTC)
    text = span(starts, starts + timedelta(minutes=90), "Europe/Moscow")
    assert text == "2025-11-18 10:00-11:30 Europe/Moscow"


def test_seats_left_per_format() -> None:
    assert seats_left(seats={"restricted": 4}, session_format="restricted", taken=1) == 3
    assert seats_left(seats={"restricted": 4}, session_format="restricted", taken=6) == 0
    assert seats_left(seats={"restricted": 4}, session_format="plenary", taken=99) is None


def test_capacity_counts_everyone_and_unknown_capacity_has_no_limit() -> None:
    clashes = Clashes()
    check_capacity(capacity=10, room="Hall", attendees=10, clashes=clashes)
    check_capacity(capacity=None, room="Old hall", attendees=10_000, clashes=clashes)
    assert clashes.found == []
    check_capacity(capacity=10, room="Hall", attendees=11, clashes=clashes)
    assert "holds 10 people" in clashes.found[0].message


def test_clashes_raise_naming_the_first_and_listing_all() -> None:
    other = SimpleNamespace(
        id=uuid.uuid4(),
        title="Opening",
        starts_at=datetime(2025, 11, 18, 7, tzinfo=UTC),
        ends_at=datetime(2025, 11, 18, 8, tzinfo=UTC),
    )
    clashes = Clashes()
    clashes.raise_if_any()
    clashes.add(
        room_clash(
            room="Hall", other=other, timezone="Europe/Moscow", changeover=timedelta(minutes=15)
        )
    )
    clashes.add(Clash(kind="capacity", message="too many"))
    with pytest.raises(Conflict) as caught:
        clashes.raise_if_any()
    assert "'Opening'" in caught.value.detail and "(and 1 more conflict(s))" in caught.value.detail
    assert [c["kind"] for c in caught.value.extra["conflicts"]] == ["room", "capacity"]


def _entry(sid, *, start="2025-11-18T07:00:00+00:00", room="r1", status="scheduled", title="T"):
    return {
        "id": sid,
        "title": title,
        "format": "plenary",
        "room_id": room,
        "room": room,
        "starts_at": start,
        "ends_at": start.replace("07:00", "08:00"),
        "status": status,
        "visibility": "public",
    }


def test_changelog_names_each_kind_of_change() -> None:
    before = [_entry("a"), _entry("b"), _entry("c"), _entry("d"), _entry("e", status="cancelled")]
    after = [
        _entry("a", start="2025-11-18T09:00:00+00:00"),
        _entry("b", room="r2", title="New title"),
        _entry("c", status="cancelled"),
        _entry("d"),
        _entry("e", status="cancelled"),
        _entry("f"),
    ]
    kinds = {c["session"]["id"]: c["kinds"] for c in changelog(before, after)}
    assert kinds == {
        "a": ["moved"],
        "b": ["re-roomed", "retitled"],
        "c": ["cancelled"],
        "f": ["added"],
    }


def test_bilateral_slots_and_answers() -> None:
    now = datetime(2025, 11, 18, 7, tzinfo=UTC)
    check_slots([(now, now + timedelta(minutes=30))])
    with pytest.raises(Invalid):
        check_slots([])
    with pytest.raises(Invalid, match="before it starts"):
        check_slots([(now, now)])
    ensure_open(status="requested", request_id=uuid.uuid4())
    with pytest.raises(Conflict):
        ensure_open(status="declined", request_id=uuid.uuid4())


def test_the_calendar_feed_keeps_local_time_and_marks_cancellations() -> None:
    row = SimpleNamespace(
        id=uuid.uuid4(),
        title="Talks",
        timezone="America/New_York",
        starts_at=datetime(2025, 11, 3, 14, 0, tzinfo=UTC),
        ends_at=datetime(2025, 11, 3, 15, 0, tzinfo=UTC),
        updated_at=datetime(2025, 11, 1, tzinfo=UTC),
        sequence=2,
        room="Room 1",
        venue="UN Headquarters",
        format="plenary",
        status="cancelled",
        visibility="public",
        cancel_reason="Snow",
    )
    parsed = Calendar.from_ical(feed(name="Test", rows=[row]))
    (event,) = parsed.walk("VEVENT")
    assert event.decoded("DTSTART").hour == 9  # EST, the day after summer time ended
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (2, "CANCELLED")
    assert str(event["UID"]) == f"{row.id}@plenary"
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["America/New_York"]
