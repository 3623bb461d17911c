"""Use cases of the accreditation workflow and of the delegation's answers, against the fake
repository: vetting, the decision, revocation, batched answers, a delegation's withdrawal."""

from __future__ import annotations

import pytest

from plenary_registration.domain.commands import DecisionCreate, VettingCreate
from plenary_registration.service_layer import accreditation, answers, badges
from plenary_shared.db import new_event
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Invalid
from plenary_shared.events import EventPayload
from plenary_shared.events.delegation import (
    DelegationWithdrawn,
    NominationAccepted,
    NominationRejected,
    NominationWaitlisted,
)
from plenary_shared.events.registration import AccreditationGranted


def event(payload: EventPayload) -> CloudEvent:
    """A consumed event as the relay of its owner publishes it."""
    return new_event(
        payload, subject="test", source="/plenary/test", correlation_id=None, causation_id=None
    )


def answer(kind: type[EventPayload], row, **data) -> CloudEvent:
    """The delegation's answer to a nomination (quota figures do not matter here)."""
    return event(
        kind(
            application_id=row.id,
            meeting_id=row.meeting_id,
            delegation_id=row.delegation_id,
            category=data.pop("category", row.category),
            quota=5,
            used=1,
            **data,
        )
    )


@pytest.fixture
def delegation(repo):
    return repo.given_delegation(repo.given_meeting().id)


async def test_granting_accredits_and_announces(repo, uow, delegation):
    row = repo.given_application(delegation, state="nominated")

    await accreditation.decide(
        uow, application_id=row.id, command=DecisionCreate(decision="grant"), actor="desk"
    )

    assert repo.applications[row.id].state == "accredited"
    assert repo.history_of(row.id) == [("nominated", "accredited", "desk", None)]
    [granted] = uow.events("registration.accreditation.granted")
    assert granted["application_id"] == str(row.id) and granted["email"] == row.email
    assert uow.commits == 1


async def test_refusing_needs_a_reason_and_granting_waits_for_vetting(repo, uow, delegation):
    pending = repo.given_application(delegation, state="nominated", vetting="pending")

    with pytest.raises(Invalid, match="reason is required"):
        await accreditation.decide(
            uow, application_id=pending.id, command=DecisionCreate(decision="refuse"), actor="d"
        )
    with pytest.raises(Conflict, match="still pending"):
        await accreditation.decide(
            uow, application_id=pending.id, command=DecisionCreate(decision="grant"), actor="d"
        )
    assert repo.applications[pending.id].state == "nominated"
    assert uow.emitted == [] and uow.commits == 0


async def test_flagging_a_nominee_keeps_the_note_and_says_so(repo, uow, delegation):
    row = repo.given_application(delegation, state="nominated", vetting="pending")

    await accreditation.record_vetting(
        uow,
        application_id=row.id,
        command=VettingCreate(outcome="flagged", note="on a watch list"),
        actor="security",
    )

    stored = repo.applications[row.id]
    assert (stored.vetting, stored.vetting_note) == ("flagged", "on a watch list")
    assert repo.history_of(row.id) == [
        ("nominated", "nominated", "security", "security vetting flagged")
    ]
    [flagged] = uow.events("registration.vetting.flagged")
    assert flagged["note"] == "on a watch list"


async def test_revoking_voids_the_badge_in_the_same_transaction(repo, uow, delegation):
    row = repo.given_application(delegation, state="accredited")
    granted = AccreditationGranted(
        application_id=row.id,
        meeting_id=row.meeting_id,
        delegation_id=row.delegation_id,
        category=row.category,
        given_name=row.given_name,
        family_name=row.family_name,
        email=row.email,
    )
    await badges.on_accreditation_granted(uow, event(granted), prefix="PL")

    await accreditation.revoke(uow, application_id=row.id, reason="incident", actor="organiser")

    [badge] = repo.badges.values()
    assert (badge.status, badge.void_reason) == ("void", "revoked")
    assert repo.applications[row.id].state == "revoked"
    assert [e.type for e in uow.emitted] == [
        "registration.badge.issued",
        "registration.accreditation.revoked",
        "registration.badge.voided",
    ]
    assert uow.events("registration.badge.voided")[0]["badge_number"] == badge.badge_number


async def test_a_batch_of_acceptances_moves_each_and_announces_it_caused_by_its_answer(
    repo, uow, delegation
):
    first = repo.given_application(delegation)
    second = repo.given_application(delegation, state="waitlisted")
    events = [
        answer(NominationAccepted, first, promoted=False),
        answer(NominationAccepted, second, promoted=True),
    ]

    await answers.on_nominations_accepted(uow, events)

    assert {repo.applications[r.id].state for r in (first, second)} == {"nominated"}
    assert repo.history_of(second.id) == [
        ("waitlisted", "nominated", "system:delegation", "promoted from the waiting list")
    ]
    nominated = uow.emitted
    assert [e.data["application_id"] for e in nominated] == [str(first.id), str(second.id)]
    assert [e.causationid for e in nominated] == [e.id for e in events]
    assert [e.data["promoted"] for e in nominated] == [False, True]


async def test_a_stale_answer_is_ignored_and_a_replay_moves_nothing(repo, uow, delegation):
    recategorised = repo.given_application(delegation, category="media")
    withdrawn = repo.given_application(delegation, state="withdrawn")
    # answered for the category it had before
    stale = answer(NominationRejected, recategorised, category="delegate", reason="quota_exceeded")
    late = answer(NominationRejected, withdrawn, reason="delegation_withdrawn")

    await answers.on_nominations_rejected(uow, [stale, late])

    assert repo.applications[recategorised.id].state == "submitted"
    assert repo.applications[withdrawn.id].state == "withdrawn"
    assert uow.emitted == [] and repo.history == []


async def test_a_waitlisted_answer_carries_the_position(repo, uow, delegation):
    row = repo.given_application(delegation)

    await answers.on_nomination_waitlisted(uow, answer(NominationWaitlisted, row, position=3))

    assert repo.applications[row.id].state == "waitlisted"
    [waiting] = uow.events("registration.application.waitlisted")
    assert waiting["position"] == 3
    assert repo.history_of(row.id)[-1][3] == "waiting list position 3"


async def test_a_withdrawn_delegation_withdraws_its_open_applications_only(repo, uow, delegation):
    open_ = repo.given_application(delegation, state="nominated")
    refused = repo.given_application(delegation, state="refused")

    await answers.on_delegation_withdrawn(
        uow,
        event(
            DelegationWithdrawn(
                delegation_id=delegation.id, meeting_id=delegation.meeting_id, reason="no visas"
            )
        ),
    )

    assert repo.applications[open_.id].state == "withdrawn"
    assert repo.applications[refused.id].state == "refused"
    [withdrawn] = uow.events("registration.application.withdrawn")
    assert withdrawn["previous_state"] == "nominated"
    assert withdrawn["reason"] == "delegation withdrawn: no visas"
