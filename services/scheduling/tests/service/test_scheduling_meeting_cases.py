"""Use cases of meetings, venues, rooms and schedule versions, against the fake repository."""

from __future__ import annotations

import inspect
import uuid
from datetime import UTC, date, datetime

import pytest

from plenary_scheduling.adapters.repository import Repository
from plenary_scheduling.domain.commands import MeetingCreate, RoomCreate, VenueCreate
from plenary_scheduling.service_layer import meetings, versions
from plenary_shared.errors import Conflict, Invalid, NotFound


def test_the_fake_answers_every_method_of_the_repository(repo):
    wanted = {
        name
        for name, member in inspect.getmembers(Repository, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }
    missing = {
        name for name in wanted if not inspect.iscoroutinefunction(getattr(repo, name, None))
    }
    assert not missing


async def test_a_meeting_is_recorded_and_announced(uow, repo):
    command = MeetingCreate(
        title="Forum",
        city="Kazan",
        venue="Expo",
        timezone="Europe/Moscow",
        starts_on=date(2025, 11, 17),
        ends_on=date(2025, 11, 19),
    )
    meeting_id = await meetings.create_meeting(uow, command=command, actor="organiser-1")

    stored = repo.meetings[meeting_id]
    assert (stored.title, stored.created_by, stored.ends_on) == (
        "Forum",
        "organiser-1",
        date(2025, 11, 19),
    )
    [created] = uow.events("scheduling.meeting.created")
    assert created["meeting_id"] == str(meeting_id)
    assert created["timezone"] == "Europe/Moscow"
    assert uow.commits == 1


async def test_a_meeting_ending_before_it_starts_is_refused(uow, repo):
    command = MeetingCreate.model_construct(
        title="Forum",
        city="Kazan",
        venue="Expo",
        timezone="Europe/Moscow",
        starts_on=date(2025, 11, 19),
        ends_on=date(2025, 11, 17),
        requires_vetting=False,
    )
    with pytest.raises(Invalid, match="before starts_on"):
        await meetings.create_meeting(uow, command=command, actor="organiser-1")
    assert repo.meetings == {}
    assert uow.emitted == [] and uow.commits == 0


async def test_a_second_venue_of_the_same_name_is_refused(uow, repo):
    meeting = repo.meeting()
    command = VenueCreate(name="Expo", city="Kazan", timezone="Europe/Moscow")
    await meetings.create_venue(uow, meeting_id=meeting.id, command=command)
    with pytest.raises(Conflict, match="already has a venue named 'Expo'"):
        await meetings.create_venue(uow, meeting_id=meeting.id, command=command)
    assert len(repo.venues) == 1
    assert len(uow.events("scheduling.venue.created")) == 1


async def test_a_venue_of_an_unknown_meeting_is_not_found(uow, repo):
    command = VenueCreate(name="Expo", city="Kazan", timezone="Europe/Moscow")
    with pytest.raises(NotFound):
        await meetings.create_venue(uow, meeting_id=uuid.uuid4(), command=command)
    assert repo.venues == {} and uow.emitted == []


async def test_a_room_lists_each_language_once_in_order(uow, repo):
    venue = repo.venue(repo.meeting())
    command = RoomCreate(name="Hall B", capacity=40, languages=["ru", "en", "ru"])
    room_id = await meetings.create_room(uow, venue_id=venue.id, command=command)

    assert repo.rooms[room_id].languages == ["en", "ru"]
    assert repo.rooms[room_id].meeting_id == venue.meeting_id
    [created] = uow.events("scheduling.room.created")
    assert created["languages"] == ["en", "ru"]
    assert created["meeting_id"] == str(venue.meeting_id)


async def test_publishing_numbers_versions_and_lists_what_changed(uow, repo):
    meeting = repo.meeting()
    room = repo.room(repo.venue(meeting))
    session_id = uuid.uuid4()
    await repo.add_session(
        session_id,
        meeting_id=meeting.id,
        title="Opening",
        titles={},
        session_format="plenary",
        room_id=room.id,
        starts_at=datetime(2025, 11, 17, 7, tzinfo=UTC),
        ends_at=datetime(2025, 11, 17, 8, tzinfo=UTC),
        visibility="public",
        bilateral_id=None,
        heads=[],
    )
    first = await versions.publish(uow, meeting_id=meeting.id, note="v1", actor="organiser-1")
    await repo.change_session(
        session_id,
        starts_at=datetime(2025, 11, 17, 9, tzinfo=UTC),
        ends_at=datetime(2025, 11, 17, 10, tzinfo=UTC),
    )
    second = await versions.publish(uow, meeting_id=meeting.id, note="v2", actor="organiser-1")

    assert (first, second) == (1, 2)
    published = uow.events("scheduling.schedule.published")
    assert [p["version_number"] for p in published] == [1, 2]
    assert [c["kinds"] for c in published[0]["changes"]] == [["added"]]
    assert [c["kinds"] for c in published[1]["changes"]] == [["moved"]]
    assert published[1]["previous_version"] == 1
    assert repo.versions[(meeting.id, 2)].snapshot[0]["starts_at"] == "2025-11-17T09:00:00+00:00"


async def test_publishing_for_an_unknown_meeting_writes_nothing(uow, repo):
    with pytest.raises(NotFound):
        await versions.publish(uow, meeting_id=uuid.uuid4(), note="", actor="organiser-1")
    assert repo.versions == {} and uow.emitted == []
