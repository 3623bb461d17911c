"""Unit tests of meeting dates, venue-local times and session checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from plenary_scheduling.domain.commands import MeetingCreate
from plenary_scheduling.domain.model import MeetingDates
from plenary_shared.errors import Invalid

BERLIN = MeetingDates(date(2025, 10, 25), date(2025, 10, 27), "Europe/Berlin")


def test_check_accepts_single_and_multi_day_meetings() -> None:
    MeetingDates(date(2025, 6, 1), date(2025, 6, 1), "UTC").check()
    MeetingDates(date(2025, 6, 1), date(2025, 6, 3), "UTC").check()


def test_check_refuses_end_before_start() -> None:
    with pytest.raises(Invalid) as caught:
        MeetingDates(date(2025, 6, 3), date(2025, 6, 1), "UTC").check()
    assert caught.value.status == 422
    assert "2025-06-01" in caught.value.detail and "2025-06-03" in caught.value.detail


def test_localise_naive_is_venue_wall_clock() -> None:
    local = BERLIN.localise(datetime(2025, 10, 25, 9, 30))
    assert (local.hour, local.minute) == (9, 30)
    assert local.tzinfo == ZoneInfo("Europe/Berlin")
    assert local.utcoffset() == timedelta(hours=2)
    assert local.astimezone(UTC) == datetime(2025, 10, 25, 7, 30, tzinfo=UTC)


def test_localise_aware_is_converted() -> None:
    moment = datetime(2025, 10, 25, 7, 30, tzinfo=UTC)
    local = BERLIN.localise(moment)
    assert local == moment  # same instant
    assert (local.hour, local.minute) == (9, 30)
    assert local.utcoffset() == timedelta(hours=2)


def test_localise_aware_in_other_zone() -> None:
    tokyo = datetime(2025, 10, 25, 16, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    local = BERLIN.localise(tokyo)
    assert local == tokyo
    assert local.hour == 9


def test_session_inside_meeting_days_accepted() -> None:
    BERLIN.check_session(datetime(2025, 10, 25, 9), datetime(2025, 10, 25, 10))
    BERLIN.check_session(datetime(2025, 10, 27, 22), datetime(2025, 10, 27, 23, 59))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2025, 10, 25, 10), datetime(2025, 10, 25, 9)),
        (datetime(2025, 10, 25, 10), datetime(2025, 10, 25, 10)),
    ],
)
def test_session_ending_before_or_at_start_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(Invalid, match="ends_at must be after starts_at"):
        BERLIN.check_session(start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2025, 10, 24, 9), datetime(2025, 10, 24, 10)),
        (datetime(2025, 10, 28, 9), datetime(2025, 10, 28, 10)),
        (datetime(2025, 10, 27, 23), datetime(2025, 10, 28, 1)),
        (datetime(2025, 10, 24, 23), datetime(2025, 10, 25, 1)),
    ],
)
def test_session_outside_meeting_days_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(Invalid, match="outside"):
        BERLIN.check_session(start, end)


def test_meeting_days_are_judged_in_venue_time() -> None:
    # 23:30 UTC on the 24th is already 01:30 on the 25th in Berlin: inside.
    BERLIN.check_session(
        datetime(2025, 10, 24, 23, 30, tzinfo=UTC), datetime(2025, 10, 25, 0, 30, tzinfo=UTC)
    )
    # 22:30 UTC on the 27th is 23:30 in Berlin, fine; 23:30 UTC is the 28th there: outside.
    with pytest.raises(Invalid, match="outside"):
        BERLIN.check_session(
            datetime(2025, 10, 27, 22, 30, tzinfo=UTC), datetime(2025, 10, 27, 23, 30, tzinfo=UTC)
        )


def test_session_across_dst_change_localises_to_right_offsets() -> None:
    # Berlin leaves summer time at 03:00 CEST on 2025-10-26 (clocks go back to 02:00 CET).
    start, end = datetime(2025, 10, 26, 1, 0), datetime(2025, 10, 26, 4, 0)
    BERLIN.check_session(start, end)
    local_start, local_end = BERLIN.localise(start), BERLIN.localise(end)
    assert local_start.utcoffset() == timedelta(hours=2)
    assert local_end.utcoffset() == timedelta(hours=1)
    assert local_start.astimezone(UTC) == datetime(2025, 10, 25, 23, 0, tzinfo=UTC)
    assert local_end.astimezone(UTC) == datetime(2025, 10, 26, 3, 0, tzinfo=UTC)
    # four real hours, though the wall clock shows three
    assert local_end.astimezone(UTC) - local_start.astimezone(UTC) == timedelta(hours=4)


def test_aware_session_across_dst_change_accepted() -> None:
    BERLIN.check_session(
        datetime(2025, 10, 26, 0, 0, tzinfo=UTC), datetime(2025, 10, 26, 2, 0, tzinfo=UTC)
    )


def test_session_in_repeated_hour_accepted_when_end_is_later_instant() -> None:
    # 00:30Z = 02:30 CEST (fold 0); 01:10Z = 02:10 CET (fold 1): 40 real minutes later.
    BERLIN.check_session(
        datetime(2025, 10, 26, 0, 30, tzinfo=UTC), datetime(2025, 10, 26, 1, 10, tzinfo=UTC)
    )


def test_session_in_repeated_hour_refused_when_end_is_earlier_instant() -> None:
    # start 01:10Z = 02:10 CET; end 00:30Z = 02:30 CEST, 40 real minutes *before* the start.
    with pytest.raises(Invalid):
        BERLIN.check_session(
            datetime(2025, 10, 26, 1, 10, tzinfo=UTC), datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
        )


def _meeting(**overrides: object) -> dict:
    body = {
        "title": "Summit",
        "city": "Berlin",
        "venue": "Hall A",
        "timezone": "Europe/Berlin",
        "starts_on": "2025-10-25",
        "ends_on": "2025-10-27",
    }
    body.update(overrides)
    return body


def test_meeting_create_accepts_known_zone() -> None:
    assert MeetingCreate.model_validate(_meeting()).timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "Europe/Berlinn", "", "europe/berlin", "+03:00"]
)
def test_meeting_create_refuses_unknown_zone(zone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MeetingCreate.model_validate(_meeting(timezone=zone))
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [("timezone",)]
    assert "IANA" in errors[0]["msg"]


def test_meeting_create_forbids_extra_fields() -> None:
    with pytest.raises(ValidationError):
        MeetingCreate.model_validate(_meeting(organiser="me"))
