"""Unit tests of the registration rules that moved to the domain: the visa letter's states,
notes and reasons the desk must give, stale answers, invitations, codes, photos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plenary_registration.domain.accounts import (
    code_still_fresh,
    ensure_invitation_names,
    invitation_status,
)
from plenary_registration.domain.model import (
    State,
    Verdict,
    VettingOutcome,
    answer_applies,
    ensure_letter_state,
    ensure_refusal_reason,
    ensure_vetting_note,
)
from plenary_registration.domain.photos import PHOTO_MAX_BYTES, photo_kind
from plenary_shared.errors import Conflict, Invalid

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 10
JPEG = b"\xff\xd8\xff" + b"0" * 10


@pytest.mark.parametrize("state", list(State))
def test_a_visa_letter_needs_a_nominated_or_accredited_participant(state: State) -> None:
    if state in (State.NOMINATED, State.ACCREDITED):
        ensure_letter_state(state)
    else:
        with pytest.raises(Conflict, match="visa support letter"):
            ensure_letter_state(state)


def test_flagging_needs_a_note_and_refusing_a_reason() -> None:
    ensure_vetting_note(VettingOutcome.CLEARED, None)
    ensure_vetting_note(VettingOutcome.FLAGGED, "on a list")
    with pytest.raises(Invalid, match="note is required"):
        ensure_vetting_note(VettingOutcome.FLAGGED, "")
    ensure_refusal_reason(Verdict.GRANT, None)
    ensure_refusal_reason(Verdict.REFUSE, "no visa")
    with pytest.raises(Invalid, match="reason is required"):
        ensure_refusal_reason(Verdict.REFUSE, None)


def test_an_answer_no_longer_applies_after_a_withdrawal_or_a_new_category() -> None:
    assert answer_applies(State.SUBMITTED, "delegate", answered_category="delegate")
    assert answer_applies(State.WAITLISTED, "delegate", answered_category="delegate")
    assert not answer_applies(State.WITHDRAWN, "delegate", answered_category="delegate")
    assert not answer_applies(State.SUBMITTED, "media", answered_category="delegate")


def test_an_invitation_is_accepted_revoked_expired_or_pending_in_that_order() -> None:
    later, earlier = NOW + timedelta(days=1), NOW - timedelta(days=1)

    def status(**values) -> str:
        given = {"accepted_at": None, "revoked_at": None, "expires_at": later, **values}
        return invitation_status(**given, now=NOW)

    assert status() == "pending"
    assert status(expires_at=NOW) == "expired"
    assert status(expires_at=earlier, revoked_at=earlier) == "revoked"
    assert status(expires_at=earlier, revoked_at=earlier, accepted_at=earlier) == "accepted"


def test_a_code_sent_moments_ago_stays_unless_expired_or_mistyped_too_often() -> None:
    fresh = {
        "sent_at": NOW - timedelta(seconds=10),
        "expires_at": NOW + timedelta(minutes=10),
        "attempts": 1,
        "max_attempts": 3,
        "throttle_seconds": 60,
        "now": NOW,
    }
    assert code_still_fresh(**fresh)
    assert not code_still_fresh(**{**fresh, "sent_at": None, "expires_at": None})
    assert not code_still_fresh(**{**fresh, "sent_at": NOW - timedelta(seconds=60)})
    assert not code_still_fresh(**{**fresh, "expires_at": NOW})
    assert not code_still_fresh(**{**fresh, "attempts": 3})


def test_a_photo_is_a_jpeg_or_png_sent_as_what_it_is_up_to_the_limit() -> None:
    assert photo_kind(PNG, "image/png") == "image/png"
    assert photo_kind(JPEG, "") == "image/jpeg"
    assert photo_kind(JPEG, "application/octet-stream; q=1") == "image/jpeg"
    with pytest.raises(Invalid, match="JPEG or PNG"):
        photo_kind(b"GIF89a....", "image/gif")
    with pytest.raises(Invalid, match="sent as image/png"):
        photo_kind(JPEG, "image/png")
    with pytest.raises(Invalid, match="at most"):
        photo_kind(PNG + b"0" * PHOTO_MAX_BYTES, "image/png")


def test_an_invitation_names_the_delegation_or_application_its_role_needs() -> None:
    ensure_invitation_names("focal_point", delegation_id="d", application_id=None)
    ensure_invitation_names("participant", delegation_id=None, application_id="a")
    ensure_invitation_names("organiser", delegation_id=None, application_id=None)
    with pytest.raises(Invalid, match="needs the delegation_id"):
        ensure_invitation_names("focal_point", delegation_id=None, application_id="a")
    with pytest.raises(Invalid, match="needs the application_id"):
        ensure_invitation_names("participant", delegation_id="d", application_id=None)
