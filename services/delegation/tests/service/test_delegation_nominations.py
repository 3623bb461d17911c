"""Nominations decided by the delegation service against a fake repository: the quota, the
waiting list, runs decided together, replays, seats given back (no database, no broker)."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY

from plenary_delegation.service_layer import meetings, nominations, seats
from plenary_shared.consumer import NotYetKnown
from plenary_shared.events.registration import (
    AccreditationRefused,
    ApplicationRecategorised,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)
from plenary_shared.events.scheduling import MeetingCreated

ACCEPTED = "delegation.nomination.accepted"
REJECTED = "delegation.nomination.rejected"
WAITLISTED = "delegation.nomination.waitlisted"
PERSON = {"given_name": "Aliya", "family_name": "Seitkali", "email": "aliya@example.org"}


def _submitted(meeting_id, delegation_id, category="delegate", *, waitlist=None):
    return ApplicationSubmitted(
        application_id=uuid.uuid4(),
        meeting_id=meeting_id,
        delegation_id=delegation_id,
        category=category,
        nationality="KAZ",
        waitlist=waitlist,
        **PERSON,
    )


def _about(submitted, model, **extra):
    """Another event about the same application."""
    return model(
        application_id=submitted.application_id,
        meeting_id=submitted.meeting_id,
        delegation_id=submitted.delegation_id,
        category=extra.pop("category", submitted.category),
        **PERSON,
        **extra,
    )


def _decided_together() -> float:
    return REGISTRY.get_sample_value("plenary_delegation_nominations_decided_together_total") or 0


async def test_a_nomination_under_quota_takes_a_seat_and_is_accepted(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=2, categories={"adviser": 1})
    submitted = _submitted(meeting.id, delegation.id, "adviser")

    await nominations.on_application_submitted(uow, event(submitted))

    assert uow.events(ACCEPTED) == [
        {
            "application_id": str(submitted.application_id),
            "delegation_id": str(delegation.id),
            "meeting_id": str(meeting.id),
            "category": "adviser",
            "quota": 2,
            "used": 1,
            "promoted": False,
        }
    ]
    assert repo.used(delegation.id) == (1, {"adviser": 1})
    assert repo.held_seats(delegation.id) == {submitted.application_id}
    assert repo.nominations[submitted.application_id].decision == "accepted"


async def test_a_full_category_rejects_with_its_own_numbers_and_keeps_the_total(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=5, categories={"adviser": 1})
    for _ in range(2):
        await nominations.on_application_submitted(
            uow, event(_submitted(meeting.id, delegation.id, "adviser"))
        )

    [rejected] = uow.events(REJECTED)
    assert (rejected["reason"], rejected["quota"], rejected["used"]) == ("quota_exceeded", 1, 1)
    # the seat of the total taken with the refused category is given back
    assert repo.used(delegation.id) == (1, {"adviser": 1})


async def test_over_quota_a_nominee_waits_in_line_when_asked_or_by_default(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=1, waitlist_by_default=True)
    first = _submitted(meeting.id, delegation.id)
    asked = _submitted(meeting.id, delegation.id, waitlist=True)
    by_default = _submitted(meeting.id, delegation.id)
    refused = _submitted(meeting.id, delegation.id, waitlist=False)
    for submitted in (first, asked, by_default, refused):
        await nominations.on_application_submitted(uow, event(submitted))

    waiting = uow.events(WAITLISTED)
    assert [(w["application_id"], w["position"]) for w in waiting] == [
        (str(asked.application_id), 1),
        (str(by_default.application_id), 2),
    ]
    assert [r["application_id"] for r in uow.events(REJECTED)] == [str(refused.application_id)]
    assert repo.nominations[by_default.application_id].waitlist is None
    assert repo.used(delegation.id) == (1, {"delegate": 1})


async def test_a_replayed_nomination_is_decided_once(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=3)
    submitted = event(_submitted(meeting.id, delegation.id))

    await nominations.on_application_submitted(uow, submitted)
    await nominations.on_application_submitted(uow, submitted)

    assert len(uow.emitted) == 1
    assert repo.used(delegation.id) == (1, {"delegate": 1})


async def test_a_nomination_for_an_unknown_delegation_waits_for_it(repo, uow, event):
    meeting = repo.given_meeting()
    with pytest.raises(NotYetKnown, match="is not known yet"):
        await nominations.on_application_submitted(uow, event(_submitted(meeting.id, uuid.uuid4())))
    assert uow.emitted == [] and repo.nominations == {}


async def test_another_meeting_or_a_withdrawn_delegation_rejects_without_a_seat(repo, uow, event):
    meeting, other = repo.given_meeting(), repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=3)
    withdrawn = repo.given_delegation(meeting.id, quota=3, status="withdrawn", name="Gone")

    await nominations.on_application_submitted(uow, event(_submitted(other.id, delegation.id)))
    await nominations.on_application_submitted(uow, event(_submitted(meeting.id, withdrawn.id)))

    assert [r["reason"] for r in uow.events(REJECTED)] == ["wrong_meeting", "delegation_withdrawn"]
    assert repo.seats == {}
    assert [n.decision for n in repo.nominations.values()] == ["rejected", "rejected"]


async def test_a_run_that_fits_is_accepted_together_then_one_by_one(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=5, categories={"adviser": 1})
    run = [_submitted(meeting.id, delegation.id) for _ in range(4)]
    run += [_submitted(meeting.id, delegation.id, "adviser") for _ in range(2)]
    events = [event(s) for s in run]
    before = _decided_together()

    await nominations.on_applications_submitted(uow, events)

    # four delegates and one adviser fit in turn; the second adviser does not
    assert [e["application_id"] for e in uow.events(ACCEPTED)] == [
        str(s.application_id) for s in run[:5]
    ]
    assert [e["used"] for e in uow.events(ACCEPTED)] == [1, 2, 3, 4, 5]
    assert [r["application_id"] for r in uow.events(REJECTED)] == [str(run[5].application_id)]
    assert [e.causationid for e in uow.emitted] == [e.id for e in events]
    assert repo.used(delegation.id) == (5, {"delegate": 4, "adviser": 1})
    assert _decided_together() == before  # counted once committed
    await uow.commit()
    assert _decided_together() == before + 5


async def test_a_short_run_or_one_decided_already_is_decided_one_by_one(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=9)
    decided = _submitted(meeting.id, delegation.id)
    await nominations.on_application_submitted(uow, event(decided))
    run = [decided] + [_submitted(meeting.id, delegation.id) for _ in range(4)]
    before = _decided_together()

    await nominations.on_applications_submitted(uow, [event(s) for s in run])
    await uow.commit()

    assert _decided_together() == before
    assert [e["used"] for e in uow.events(ACCEPTED)] == [1, 2, 3, 4, 5]
    assert repo.used(delegation.id) == (5, {"delegate": 5})


async def test_a_withdrawn_nominee_frees_its_seat_once_for_the_next_in_line(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=1)
    seated = _submitted(meeting.id, delegation.id)
    waiting = _submitted(meeting.id, delegation.id, waitlist=True)
    for submitted in (seated, waiting):
        await nominations.on_application_submitted(uow, event(submitted))
    withdrawn = event(
        _about(seated, ApplicationWithdrawn, previous_state="nominated", reason="ill")
    )

    await seats.on_application_withdrawn(uow, withdrawn)
    await seats.on_application_withdrawn(uow, withdrawn)

    promoted = [e for e in uow.events(ACCEPTED) if e["promoted"]]
    assert [e["application_id"] for e in promoted] == [str(waiting.application_id)]
    assert repo.seats[seated.application_id].release_reason == "application_withdrawn"
    assert repo.held_seats(delegation.id) == {waiting.application_id}
    assert repo.used(delegation.id) == (1, {"delegate": 1})


async def test_a_waiting_nominee_who_withdraws_leaves_the_line(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=1)
    seated = _submitted(meeting.id, delegation.id)
    waiting = _submitted(meeting.id, delegation.id, waitlist=True)
    for submitted in (seated, waiting):
        await nominations.on_application_submitted(uow, event(submitted))
    emitted = len(uow.emitted)

    await seats.on_application_withdrawn(
        uow, event(_about(waiting, ApplicationWithdrawn, previous_state="waiting", reason="x"))
    )

    assert repo.nominations[waiting.application_id].decision == "left_waiting_list"
    assert len(uow.emitted) == emitted
    assert repo.held_seats(delegation.id) == {seated.application_id}


async def test_a_full_category_is_passed_over_for_the_next_whose_category_has_room(
    repo, uow, event
):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=2, categories={"adviser": 1})
    adviser = _submitted(meeting.id, delegation.id, "adviser")
    delegate = _submitted(meeting.id, delegation.id)
    waiting_adviser = _submitted(meeting.id, delegation.id, "adviser", waitlist=True)
    waiting_delegate = _submitted(meeting.id, delegation.id, waitlist=True)
    for submitted in (adviser, delegate, waiting_adviser, waiting_delegate):
        await nominations.on_application_submitted(uow, event(submitted))

    await seats.on_accreditation_refused(
        uow, event(_about(delegate, AccreditationRefused, reason="vetting"))
    )

    promoted = [e["application_id"] for e in uow.events(ACCEPTED) if e["promoted"]]
    assert promoted == [str(waiting_delegate.application_id)]
    assert repo.nominations[waiting_adviser.application_id].decision == "waitlisted"
    assert repo.used(delegation.id) == (2, {"adviser": 1, "delegate": 1})


async def test_a_recategorised_nominee_is_decided_again_in_its_new_category(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=3, categories={"media": 1})
    journalist = _submitted(meeting.id, delegation.id, "media")
    nominee = _submitted(meeting.id, delegation.id, waitlist=True)
    for submitted in (journalist, nominee):
        await nominations.on_application_submitted(uow, event(submitted))

    changed = _about(
        nominee, ApplicationRecategorised, category="media", previous_category="delegate"
    )
    await nominations.on_application_recategorised(uow, event(changed))

    [waiting] = uow.events(WAITLISTED)
    assert (waiting["application_id"], waiting["category"], waiting["position"]) == (
        str(nominee.application_id),
        "media",
        1,
    )
    assert repo.seats[nominee.application_id].release_reason == "recategorised"
    # the focal point's first choice about the waiting list is kept
    assert repo.nominations[nominee.application_id].waitlist is True
    assert repo.used(delegation.id) == (1, {"media": 1})


async def test_a_meeting_created_in_scheduling_is_remembered_once(repo, uow, event):
    created = MeetingCreated(
        meeting_id=uuid.uuid4(),
        title="Summit",
        city="Astana",
        venue="Palace",
        timezone="Asia/Almaty",
        starts_on="2025-11-16",
        ends_on="2025-11-18",
    )
    await meetings.on_meeting_created(uow, event(created))
    await meetings.on_meeting_created(uow, event(created.model_copy(update={"title": "Later"})))

    meeting = repo.meetings[created.meeting_id]
    assert (meeting.title, meeting.timezone, str(meeting.starts_on)) == (
        "Summit",
        "Asia/Almaty",
        "2025-11-16",
    )
    assert uow.emitted == []
