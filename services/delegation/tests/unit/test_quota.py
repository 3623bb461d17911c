"""Unit tests of the quota decision."""

from __future__ import annotations

import dataclasses

import pytest

from plenary_delegation.domain.model import Decision, QuotaOutcome, decide


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
