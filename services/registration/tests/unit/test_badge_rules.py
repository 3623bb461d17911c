"""Unit tests of the badge rules that moved to the domain: who may get a new badge, and what
makes two scans the same scan."""

from __future__ import annotations

import uuid

import pytest

from plenary_registration.domain.badges import ensure_reissuable, scan_digest, scan_lock_key
from plenary_shared.errors import Conflict


def test_only_an_accredited_participant_gets_a_new_badge() -> None:
    ensure_reissuable("accredited")
    for state in ("submitted", "nominated", "revoked", "withdrawn"):
        with pytest.raises(Conflict) as refused:
            ensure_reissuable(state)
        assert refused.value.extra["current_state"] == state


def test_a_scan_is_the_same_scan_by_badge_zone_and_checkpoint() -> None:
    badge = uuid.uuid4()
    same = scan_digest(badge, "token text", "plenary", "Gate A")
    assert scan_digest(badge, "re-encoded token", "plenary", "Gate A") == same
    assert scan_digest(badge, "token text", "press", "Gate A") != same
    assert scan_digest(badge, "token text", "plenary", "Gate B") != same
    assert scan_digest(uuid.uuid4(), "token text", "plenary", "Gate A") != same
    assert len(same) == 64 and int(same, 16) >= 0


def test_a_code_that_names_no_badge_is_known_by_its_text_trimmed() -> None:
    assert scan_digest(None, " junk ", "plenary", "A") == scan_digest(None, "junk", "plenary", "A")
    assert scan_digest(None, "junk", "plenary", "A") != scan_digest(None, "other", "plenary", "A")


def test_the_lock_key_is_a_signed_64_bit_number_of_the_digest() -> None:
    assert scan_lock_key("f" * 64) == -1
    assert scan_lock_key("0" * 15 + "1" + "f" * 48) == 1
    assert -(2**63) <= scan_lock_key(scan_digest(None, "x", "plenary", "A")) < 2**63
