"""Use cases of attendance and session waiting lists, against the fake repository."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from plenary_scheduling.domain.commands import AttendanceCreate
from plenary_scheduling.service_layer import attendance
from plenary_shared.errors import Conflict, Forbidden

CHANGEOVER = timedelta(minutes=15)


def everyone(_delegation_id) -> bool:
    return True


@pytest.fixture
def world(repo):
    """A restricted-format session and a delegation with one seat in that format."""
    meeting = repo.meeting()
    room = repo.room(repo.venue(meeting))
    delegation = repo.delegation(meeting, seats={"restricted": 1})
    session_id = uuid.uuid4()
    repo.sessions[session_id] = type(room)(
        id=session_id,
        meeting_id=meeting.id,
        title="Closed talks",
        titles={},
        format="restricted",
        room_id=room.id,
        starts_at=datetime(2025, 11, 17, 7, tzinfo=UTC),
        ends_at=datetime(2025, 11, 17, 8, tzinfo=UTC),
        visibility="restricted",
        bilateral_id=None,
        status="scheduled",
        sequence=0,
        cancel_reason=None,
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return meeting, delegation, session_id


async def _assign(uow, session_id, people, *, waitlist=False, may_act_for=everyone):
    return await attendance.assign_attendance(
        uow,
        session_id=session_id,
        command=AttendanceCreate(
            application_ids=[p.application_id for p in people], waitlist=waitlist
        ),
        actor="organiser-1",
        may_act_for=may_act_for,
        changeover=CHANGEOVER,
    )


async def test_an_assignment_is_recorded_announced_and_idempotent(uow, repo, world):
    _, delegation, session_id = world
    delegation.session_seats = {}
    people = [repo.participant(delegation, family_name=n) for n in ("Ames", "Bell")]

    first = await _assign(uow, session_id, people)
    again = await _assign(uow, session_id, people)

    assert sorted(first) == sorted(p.application_id for p in people) and again == []
    assert repo.attendee_ids(session_id) == sorted(p.application_id for p in people)
    assigned = uow.events("scheduling.attendance.assigned")
    assert sorted(a["application_id"] for a in assigned) == sorted(
        str(p.application_id) for p in people
    )
    assert {a["delegation_id"] for a in assigned} == {str(delegation.id)}
    assert uow.commits == 2


async def test_a_focal_point_cannot_assign_another_delegations_people(uow, repo, world):
    meeting, delegation, session_id = world
    stranger = repo.participant(repo.delegation(meeting, name="Elbonia"))
    with pytest.raises(Forbidden, match="belongs to another delegation"):
        await _assign(uow, session_id, [stranger], may_act_for=lambda d: d == delegation.id)
    assert repo.attendance == {} and uow.emitted == []


async def test_over_the_seats_is_refused_without_the_waiting_list(uow, repo, world):
    _, delegation, session_id = world
    people = [repo.participant(delegation) for _ in range(2)]
    with pytest.raises(Conflict, match="has 1 seat\\(s\\) in restricted sessions"):
        await _assign(uow, session_id, people)
    assert repo.attendance == {} and repo.waiting == {}


async def test_over_the_seats_waits_in_line_with_its_place(uow, repo, world):
    _, delegation, session_id = world
    people = [repo.participant(delegation, family_name=n) for n in ("Ames", "Bell", "Cole")]
    seated = await _assign(uow, session_id, people, waitlist=True)

    assert seated == [people[0].application_id]
    assert repo.waiting_ids(session_id) == [people[1].application_id, people[2].application_id]
    waitlisted = uow.events("scheduling.attendance.waitlisted")
    assert [(w["application_id"], w["position"]) for w in waitlisted] == [
        (str(people[1].application_id), 1),
        (str(people[2].application_id), 2),
    ]


async def test_a_freed_seat_goes_to_the_first_in_line(uow, repo, world):
    _, delegation, session_id = world
    people = [repo.participant(delegation, family_name=n) for n in ("Ames", "Bell", "Cole")]
    await _assign(uow, session_id, people, waitlist=True)
    await attendance.remove_attendance(
        uow,
        session_id=session_id,
        application_id=people[0].application_id,
        may_act_for=everyone,
    )

    assert repo.attendee_ids(session_id) == [people[1].application_id]
    assert repo.waiting_ids(session_id) == [people[2].application_id]
    [removed] = uow.events("scheduling.attendance.removed")
    assert (removed["application_id"], removed["reason"]) == (
        str(people[0].application_id),
        "unassigned",
    )
    promoted = [a for a in uow.events("scheduling.attendance.assigned") if a.get("promoted")]
    assert [p["application_id"] for p in promoted] == [str(people[1].application_id)]
    assert repo.attendance[(session_id, people[1].application_id)].assigned_by == (
        "system:waiting-list"
    )
