"""Use cases of bilateral meeting requests, against the fake repository."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plenary_scheduling.domain.commands import (
    BilateralCounterProposal,
    BilateralCreate,
    SlotCreate,
)
from plenary_scheduling.service_layer import bilaterals
from plenary_shared.errors import Forbidden, Invalid

CHANGEOVER = timedelta(minutes=15)


def everyone(_delegation_id) -> bool:
    return True


def _slot(day: int, hour: int) -> SlotCreate:
    return SlotCreate(
        starts_at=datetime(2025, 11, day, hour), ends_at=datetime(2025, 11, day, hour + 1)
    )


@pytest.fixture
def parties(repo):
    meeting = repo.meeting(timezone="Europe/Moscow")
    repo.room(repo.venue(meeting), name="Bilateral 1", capacity=10, bilateral=True)
    return (
        meeting,
        repo.delegation(meeting, name="Ruritania"),
        repo.delegation(meeting, name="Elbonia"),
    )


async def _request(uow, meeting, requester, counterpart, slots=None):
    command = BilateralCreate(
        requester_delegation_id=requester.id,
        counterpart_delegation_id=counterpart.id,
        slots=slots or [_slot(17, 10)],
        agenda="trade",
    )
    return await bilaterals.request_bilateral(
        uow, meeting_id=meeting.id, command=command, actor="fp-1", may_act_for=everyone
    )


async def test_a_bilateral_with_oneself_is_refused(uow, repo, parties):
    meeting, ruritania, _ = parties
    with pytest.raises(Invalid, match="two different delegations"):
        await _request(uow, meeting, ruritania, ruritania)
    assert repo.bilaterals == {} and uow.emitted == []


async def test_a_counter_proposal_passes_the_turn_to_the_other_side(uow, repo, parties):
    meeting, ruritania, elbonia = parties
    request_id = await _request(uow, meeting, ruritania, elbonia)
    await bilaterals.counter_propose(
        uow,
        request_id=request_id,
        command=BilateralCounterProposal(slots=[_slot(18, 9)], note="later"),
        may_act_for=lambda d: d == elbonia.id,
    )

    row = repo.bilaterals[request_id]
    assert (row.status, row.awaiting_id, row.note) == ("counter_proposed", ruritania.id, "later")
    assert row.slots == [
        {"starts_at": "2025-11-18T06:00:00+00:00", "ends_at": "2025-11-18T07:00:00+00:00"}
    ]
    [countered] = uow.events("scheduling.bilateral.counter_proposed")
    assert countered["awaiting_delegation_id"] == str(ruritania.id)
    with pytest.raises(Forbidden, match="awaits the other delegation's answer"):
        await bilaterals.decline_bilateral(
            uow, request_id=request_id, reason="no", may_act_for=lambda d: d == elbonia.id
        )
    assert repo.bilaterals[request_id].status == "counter_proposed"


async def test_accepting_schedules_a_restricted_session_with_both_heads(uow, repo, parties):
    meeting, ruritania, elbonia = parties
    request_id = await _request(uow, meeting, ruritania, elbonia)
    await bilaterals.accept_bilateral(
        uow, request_id=request_id, slot=None, may_act_for=everyone, changeover=CHANGEOVER
    )

    row = repo.bilaterals[request_id]
    session = repo.sessions[row.session_id]
    assert row.status == "accepted"
    assert (session.format, session.visibility, session.bilateral_id) == (
        "bilateral",
        "restricted",
        request_id,
    )
    assert session.title == "Bilateral meeting: Ruritania - Elbonia"
    assert session.starts_at == datetime(2025, 11, 17, 7, tzinfo=UTC)
    assert {d for s, d in repo.heads if s == session.id} == {ruritania.id, elbonia.id}
    [accepted] = uow.events("scheduling.bilateral.accepted")
    assert accepted["session_id"] == str(session.id)
    assert [e.type for e in uow.emitted][-2:] == [
        "scheduling.session.scheduled",
        "scheduling.bilateral.accepted",
    ]
