"""Scheduling's reactions to registration's and delegation's events, against the fake repository."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from plenary_scheduling.service_layer import reactions
from plenary_shared.consumer import NotYetKnown
from plenary_shared.db import new_event
from plenary_shared.events.delegation import DelegationWithdrawn, QuotasChanged
from plenary_shared.events.registration import AccreditationGranted, AccreditationRevoked


def _event(payload):
    return new_event(
        payload, subject="s", source="/plenary/test", correlation_id=None, causation_id=None
    )


def _person(delegation, **kw) -> dict:
    return {
        "application_id": kw.get("application_id", uuid.uuid4()),
        "meeting_id": delegation.meeting_id,
        "delegation_id": delegation.id,
        "category": "delegate",
        "given_name": "Ann",
        "family_name": kw.get("family_name", "Smith"),
        "email": "ann@example.org",
    }


def _session(repo, meeting, room, title="Opening"):
    session_id = uuid.uuid4()
    repo.sessions[session_id] = type(room)(
        id=session_id, meeting_id=meeting.id, title=title, titles={}, format="plenary",
        room_id=room.id, starts_at=datetime(2025, 11, 17, 7, tzinfo=UTC),
        ends_at=datetime(2025, 11, 17, 8, tzinfo=UTC), visibility="public", bilateral_id=None,
        status="scheduled", sequence=0, cancel_reason=None, updated_at=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return session_id


async def test_granted_accreditations_are_recorded_and_a_regrant_keeps_the_token(uow, repo):
    delegation = repo.delegation(repo.meeting())
    ann, bob = _person(delegation), _person(delegation, family_name="Bell")
    await reactions.on_accreditations_granted(
        uow, [_event(AccreditationGranted(**ann)), _event(AccreditationGranted(**bob))]
    )
    token = repo.participants[ann["application_id"]].calendar_token
    renamed = {**ann, "family_name": "Smith-Jones"}
    await reactions.on_accreditation_granted(uow, _event(AccreditationGranted(**renamed)))

    stored = repo.participants[ann["application_id"]]
    assert (stored.family_name, stored.status, stored.calendar_token) == (
        "Smith-Jones",
        "accredited",
        token,
    )
    assert repo.participants[bob["application_id"]].family_name == "Bell"
    assert uow.emitted == []


async def test_a_revoked_participant_leaves_every_session_once(uow, repo):
    meeting = repo.meeting()
    room = repo.room(repo.venue(meeting))
    delegation = repo.delegation(meeting)
    person = repo.participant(delegation)
    session_id = _session(repo, meeting, room)
    await repo.assign([{"session_id": session_id, "application_id": person.application_id,
                        "meeting_id": meeting.id, "delegation_id": delegation.id,
                        "assigned_by": "organiser-1"}])  # fmt: skip
    revoked = _event(
        AccreditationRevoked(
            **_person(delegation, application_id=person.application_id), reason="x"
        )
    )
    await reactions.on_accreditation_revoked(uow, revoked)
    await reactions.on_accreditation_revoked(uow, revoked)  # delivered twice

    assert repo.attendance == {} and person.status == "revoked"
    [removed] = uow.events("scheduling.attendance.removed")
    assert (removed["session_id"], removed["reason"]) == (str(session_id), "accreditation_revoked")


async def test_quotas_of_an_unknown_delegation_wait_for_it(uow, repo):
    changed = QuotasChanged(
        delegation_id=uuid.uuid4(),
        meeting_id=uuid.uuid4(),
        quota=5,
        category_quotas={},
        session_seats={"plenary": 2},
    )
    with pytest.raises(NotYetKnown):
        await reactions.on_quotas_changed(uow, _event(changed))
    assert repo.delegations == {}


async def test_more_seats_promote_those_waiting(uow, repo):
    meeting = repo.meeting()
    room = repo.room(repo.venue(meeting))
    delegation = repo.delegation(meeting, seats={"plenary": 0})
    person = repo.participant(delegation)
    session_id = _session(repo, meeting, room)
    await repo.add_waiting(session_id=session_id, application_id=person.application_id,
                           meeting_id=meeting.id, delegation_id=delegation.id,
                           requested_by="fp-1")  # fmt: skip
    changed = QuotasChanged(
        delegation_id=delegation.id,
        meeting_id=meeting.id,
        quota=5,
        category_quotas={},
        session_seats={"plenary": 1},
    )
    await reactions.on_quotas_changed(uow, _event(changed))

    assert delegation.session_seats == {"plenary": 1}
    assert repo.attendee_ids(session_id) == [person.application_id] and repo.waiting == {}
    [assigned] = uow.events("scheduling.attendance.assigned")
    assert assigned["promoted"] is True


async def test_a_withdrawn_delegation_leaves_and_its_open_bilaterals_are_declined(uow, repo):
    meeting = repo.meeting()
    room = repo.room(repo.venue(meeting))
    leaving, staying = repo.delegation(meeting), repo.delegation(meeting, name="Elbonia")
    person = repo.participant(leaving)
    session_id = _session(repo, meeting, room)
    await repo.assign([{"session_id": session_id, "application_id": person.application_id,
                        "meeting_id": meeting.id, "delegation_id": leaving.id,
                        "assigned_by": "organiser-1"}])  # fmt: skip
    repo.heads |= {(session_id, leaving.id), (session_id, staying.id)}
    request_id = uuid.uuid4()
    await repo.add_bilateral(request_id, meeting_id=meeting.id, requester_id=staying.id,
                             counterpart_id=leaving.id, awaiting_id=leaving.id,
                             status="requested", slots=[], agenda="", note="",
                             created_by="fp-2")  # fmt: skip
    withdrawn = DelegationWithdrawn(delegation_id=leaving.id, meeting_id=meeting.id, reason="x")
    await reactions.on_delegation_withdrawn(uow, _event(withdrawn))

    assert (leaving.status, person.status) == ("withdrawn", "withdrawn")
    assert repo.attendance == {} and repo.heads == {(session_id, staying.id)}
    assert repo.bilaterals[request_id].status == "declined"
    [declined] = uow.events("scheduling.bilateral.declined")
    assert declined["reason"] == "delegation_withdrawn"
    [removed] = uow.events("scheduling.attendance.removed")
    assert removed["reason"] == "delegation_withdrawn"
    [updated] = uow.events("scheduling.session.updated")
    assert updated["head_delegation_ids"] == [str(staying.id)]
