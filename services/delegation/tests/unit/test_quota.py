"""Unit tests of the quota decision."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from plenary_delegation.domain.model import Decision, QuotaOutcome, Standing, accept_in_turn, decide
from plenary_delegation.domain.quotas import seat_fits


@pytest.mark.parametrize(("quota", "used"), [(1, 1), (5, 3), (10, 10)])
def test_seat_taken_is_accepted(quota: int, used: int) -> None:
    outcome = decide(took_seat=True, quota=quota, used=used)
    assert outcome == QuotaOutcome(Decision.ACCEPTED, None, quota, used)


@pytest.mark.parametrize(("quota", "used"), [(0, 0), (5, 5), (3, 3)])
def test_no_seat_is_rejected_over_quota(quota: int, used: int) -> None:
    outcome = decide(took_seat=False, quota=quota, used=used)
    assert outcome.decision is Decision.REJECTED
    assert outcome.reason == "quota_exceeded"
    assert (outcome.quota, outcome.used) == (quota, used)


def test_outcome_is_immutable() -> None:
    outcome = decide(took_seat=True, quota=2, used=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.used = 2  # type: ignore[misc]


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        decide(True, 2, 1)  # type: ignore[misc]


def test_rejection_reason_matches_event_schema() -> None:
    from typing import get_args

    from plenary_shared.events.delegation import NominationRejected

    allowed = get_args(NominationRejected.model_fields["reason"].annotation)
    assert decide(took_seat=False, quota=1, used=1).reason in allowed


def test_over_quota_with_the_list_chosen_waits() -> None:
    outcome = decide(took_seat=False, quota=2, used=2, waitlist=True)
    assert outcome == QuotaOutcome(Decision.WAITLISTED, "quota_exceeded", 2, 2)


def test_the_list_changes_nothing_when_a_seat_was_taken_or_the_delegation_withdrew() -> None:
    assert decide(took_seat=True, quota=2, used=1, waitlist=True).decision is Decision.ACCEPTED
    withdrawn = decide(took_seat=False, quota=2, used=2, waitlist=True, withdrawn=True)
    assert (withdrawn.decision, withdrawn.reason) == (Decision.REJECTED, "delegation_withdrawn")


A, B, MEETING, OTHER_MEETING = (uuid.uuid4() for _ in range(4))


def _standing(*, quota: int = 10, used: int = 0, active: bool = True) -> Standing:
    return Standing(meeting_id=MEETING, active=active, quota=quota, used=used)


def test_nominations_that_fit_are_accepted_each_with_the_use_it_found() -> None:
    outcomes = accept_in_turn(
        [(A, MEETING, "delegate"), (B, MEETING, "adviser"), (A, MEETING, "delegate")],
        {A: _standing(quota=5, used=2), B: _standing(quota=1)},
        {(A, "delegate"): (3, 1)},
    )
    assert outcomes == [
        QuotaOutcome(Decision.ACCEPTED, None, 5, 3),
        QuotaOutcome(Decision.ACCEPTED, None, 1, 1),
        QuotaOutcome(Decision.ACCEPTED, None, 5, 4),
    ]


@pytest.mark.parametrize(
    ("nominations", "standing", "categories", "fitting"),
    [
        # the total fills after the second
        ([(A, MEETING, "delegate")] * 3, {A: _standing(quota=4, used=2)}, {}, 2),
        # the category fills after the first; what follows waits its turn even if it would fit
        (
            [(A, MEETING, "adviser"), (A, MEETING, "adviser"), (A, MEETING, "delegate")],
            {A: _standing()},
            {(A, "adviser"): (1, 0)},
            1,
        ),
        # a delegation not known, withdrawn, or of another meeting
        ([(A, MEETING, "delegate"), (B, MEETING, "delegate")], {A: _standing()}, {}, 1),
        ([(A, MEETING, "delegate")], {A: _standing(active=False)}, {}, 0),
        ([(A, OTHER_MEETING, "delegate")], {A: _standing()}, {}, 0),
    ],
)
def test_nominations_are_accepted_together_up_to_the_first_that_does_not_fit(
    nominations, standing, categories, fitting
) -> None:
    outcomes = accept_in_turn(nominations, standing, categories)
    assert len(outcomes) == fitting
    assert all(o.decision is Decision.ACCEPTED for o in outcomes)


@pytest.mark.parametrize(
    ("active", "quota", "used", "category_quota", "category_used", "fits"),
    [
        (True, 2, 0, None, 0, True),  # no category quota: only the total counts
        (True, 2, 1, None, 7, True),  # a lifted category quota: any use
        (True, 2, 2, None, 0, False),  # the total is used up
        (True, 0, 0, None, 0, False),  # a quota of nothing
        (True, 5, 1, 2, 1, True),  # room in both
        (True, 5, 2, 2, 2, False),  # the category is full, the total is not
        (True, 5, 0, 0, 0, False),  # a category quota of zero
        (True, 2, 2, 3, 0, False),  # the category has room, the total does not
        (False, 5, 0, None, 0, False),  # a withdrawn delegation takes no one
        (False, 5, 0, 3, 0, False),
    ],
)
def test_the_quota_rule(active, quota, used, category_quota, category_used, fits) -> None:
    assert (
        seat_fits(
            active=active,
            quota=quota,
            used=used,
            category_quota=category_quota,
            category_used=category_used,
        )
        is fits
    )


def test_nominations_decided_together_follow_the_quota_rule() -> None:
    delegation, meeting = uuid.uuid4(), uuid.uuid4()
    standing = {delegation: Standing(meeting_id=meeting, active=True, quota=5, used=1)}
    categories = {(delegation, "adviser"): (2, 1), (delegation, "media"): (None, 9)}
    run = [(delegation, meeting, c) for c in ("media", "adviser", "delegate", "adviser")]
    outcomes = accept_in_turn(run, standing, categories)
    # media (no own limit), adviser (1 of 2 -> 2), delegate (no counter); then the advisers
    # are full while the total (4 of 5) has room
    assert [o.used for o in outcomes] == [2, 3, 4]
