"""Use cases of sessions (schedule, move, cancel, heads, the dry-run), against the fake repository."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plenary_scheduling.domain.commands import (
    ConflictCheckCreate,
    HeadsCreate,
    SessionCreate,
    SessionUpdate,
)
from plenary_scheduling.service_layer import conflicts, sessions
from plenary_shared.errors import Conflict, Invalid

CHANGEOVER = timedelta(minutes=15)


def _new(room, start: str, end: str, **kw) -> SessionCreate:
    return SessionCreate(
        title=kw.pop("title", "Opening"),
        format=kw.pop("format", "plenary"),
        room_id=room.id,
        starts_at=datetime.fromisoformat(start),
        ends_at=datetime.fromisoformat(end),
        **kw,
    )


@pytest.fixture
def hall(repo):
    return repo.room(repo.venue(repo.meeting(timezone="Europe/Moscow")))


async def test_a_session_is_stored_in_utc_and_announced_with_its_facts(uow, repo, hall):
    command = _new(hall, "2025-11-17T10:00", "2025-11-17T11:30")
    session_id = await sessions.schedule_session(
        uow, meeting_id=hall.meeting_id, command=command, changeover=CHANGEOVER
    )

    stored = repo.sessions[session_id]
    assert stored.starts_at == datetime(2025, 11, 17, 7, tzinfo=UTC)  # Moscow is UTC+3
    assert stored.ends_at == datetime(2025, 11, 17, 8, 30, tzinfo=UTC)
    [scheduled] = uow.events("scheduling.session.scheduled")
    assert scheduled["session_id"] == str(session_id)
    assert scheduled["room"] == "Hall A" and scheduled["timezone"] == "Europe/Moscow"
    assert datetime.fromisoformat(scheduled["starts_at"]) == stored.starts_at
    assert ("room", hall.id) in repo.locked
    assert uow.commits == 1


async def test_a_session_within_the_changeover_of_another_is_refused(uow, repo, hall):
    first = _new(hall, "2025-11-17T10:00", "2025-11-17T11:00")
    await sessions.schedule_session(
        uow, meeting_id=hall.meeting_id, command=first, changeover=CHANGEOVER
    )
    too_soon = _new(hall, "2025-11-17T11:10", "2025-11-17T12:00", title="Panel")
    with pytest.raises(Conflict, match="already booked \\(with 15 min changeover\\)") as refused:
        await sessions.schedule_session(
            uow, meeting_id=hall.meeting_id, command=too_soon, changeover=CHANGEOVER
        )
    assert refused.value.extra["conflicts"][0]["kind"] == "room"
    assert [s.title for s in repo.sessions.values()] == ["Opening"]
    assert len(uow.events("scheduling.session.scheduled")) == 1


async def test_a_session_outside_the_meetings_days_is_refused(uow, repo, hall):
    command = _new(hall, "2025-11-20T10:00", "2025-11-20T11:00")
    with pytest.raises(Invalid, match="outside the meeting's days"):
        await sessions.schedule_session(
            uow, meeting_id=hall.meeting_id, command=command, changeover=CHANGEOVER
        )
    assert repo.sessions == {} and uow.emitted == []


async def test_a_move_raises_the_sequence_and_tells_the_previous_times(uow, repo, hall):
    session_id = await sessions.schedule_session(
        uow,
        meeting_id=hall.meeting_id,
        command=_new(hall, "2025-11-17T10:00", "2025-11-17T11:00"),
        changeover=CHANGEOVER,
    )
    move = SessionUpdate(starts_at=datetime(2025, 11, 18, 10), ends_at=datetime(2025, 11, 18, 11))
    await sessions.update_session(uow, session_id=session_id, command=move, changeover=CHANGEOVER)

    assert repo.sessions[session_id].sequence == 1
    assert repo.sessions[session_id].starts_at == datetime(2025, 11, 18, 7, tzinfo=UTC)
    [moved] = uow.events("scheduling.session.moved")
    assert datetime.fromisoformat(moved["previous_starts_at"]) == datetime(
        2025, 11, 17, 7, tzinfo=UTC
    )
    assert moved["sequence"] == 1
    assert uow.events("scheduling.session.updated") == []


async def test_an_update_that_changes_nothing_announces_nothing(uow, repo, hall):
    session_id = await sessions.schedule_session(
        uow,
        meeting_id=hall.meeting_id,
        command=_new(hall, "2025-11-17T10:00", "2025-11-17T11:00"),
        changeover=CHANGEOVER,
    )
    same = SessionUpdate(title="Opening", starts_at=datetime(2025, 11, 17, 10))
    await sessions.update_session(uow, session_id=session_id, command=same, changeover=CHANGEOVER)

    assert repo.sessions[session_id].sequence == 0
    assert [e.type for e in uow.emitted] == ["scheduling.session.scheduled"]
    assert uow.result == str(session_id) and uow.commits == 2


async def test_a_cancelled_session_stays_cancelled(uow, repo, hall):
    session_id = await sessions.schedule_session(
        uow,
        meeting_id=hall.meeting_id,
        command=_new(hall, "2025-11-17T10:00", "2025-11-17T11:00"),
        changeover=CHANGEOVER,
    )
    await sessions.cancel_session(uow, session_id=session_id, reason="storm")
    with pytest.raises(Conflict, match="is cancelled; schedule a new session instead"):
        await sessions.cancel_session(uow, session_id=session_id, reason="again")

    stored = repo.sessions[session_id]
    assert (stored.status, stored.cancel_reason, stored.sequence) == ("cancelled", "storm", 1)
    [cancelled] = uow.events("scheduling.session.cancelled")
    assert cancelled["reason"] == "storm"


async def test_the_head_of_a_withdrawn_delegation_cannot_join(uow, repo, hall):
    meeting = repo.meetings[hall.meeting_id]
    gone = repo.delegation(meeting, name="Elbonia", status="withdrawn")
    session_id = await sessions.schedule_session(
        uow,
        meeting_id=hall.meeting_id,
        command=_new(hall, "2025-11-17T10:00", "2025-11-17T11:00"),
        changeover=CHANGEOVER,
    )
    with pytest.raises(Conflict, match="Elbonia has withdrawn from the meeting"):
        await sessions.add_heads(
            uow,
            session_id=session_id,
            command=HeadsCreate(delegation_ids=[gone.id]),
            changeover=CHANGEOVER,
        )
    assert repo.heads == set()
    assert uow.events("scheduling.session.updated") == []


async def test_a_head_added_is_announced_and_the_session_lists_it(uow, repo, hall):
    meeting = repo.meetings[hall.meeting_id]
    head = repo.delegation(meeting)
    session_id = await sessions.schedule_session(
        uow,
        meeting_id=hall.meeting_id,
        command=_new(hall, "2025-11-17T10:00", "2025-11-17T11:00"),
        changeover=CHANGEOVER,
    )
    command = HeadsCreate(delegation_ids=[head.id, head.id])
    await sessions.add_heads(uow, session_id=session_id, command=command, changeover=CHANGEOVER)
    await sessions.add_heads(uow, session_id=session_id, command=command, changeover=CHANGEOVER)

    assert repo.heads == {(session_id, head.id)}
    [updated] = uow.events("scheduling.session.updated")  # the second call adds nobody
    assert updated["head_delegation_ids"] == [str(head.id)]


async def test_the_dry_run_reports_every_clash_and_saves_nothing(repo, hall):
    meeting = repo.meetings[hall.meeting_id]
    small = repo.room(repo.venues[hall.venue_id], name="Hall S", capacity=1)
    people = [repo.participant(repo.delegation(meeting)) for _ in range(2)]
    proposal = ConflictCheckCreate(
        format="plenary",
        room_id=small.id,
        starts_at=datetime(2025, 11, 17, 10),
        ends_at=datetime(2025, 11, 17, 11),
        application_ids=[p.application_id for p in people],
    )
    clashes = await conflicts.dry_run(
        repo, meeting_id=meeting.id, command=proposal, changeover=CHANGEOVER
    )

    assert [c.kind for c in clashes.found] == ["capacity"]
    assert "holds 1 people and the session would have 2" in clashes.found[0].message
    assert repo.sessions == {} and repo.locked == []
