"""Unit tests of subscription matching, retry backoff and success codes."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from plenary_notification.domain.model import idle_wait, is_success, matches, next_delay


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["registration.*"], "registration.application.submitted", True),
        (["registration.*"], "registration.accreditation.granted", True),
        (["registration.*"], "delegation.nomination.accepted", False),
        (["registration.*"], "registration", False),
        (["*"], "scheduling.meeting.created", True),
        (["*"], "notification.delivery.failed", True),
        (["scheduling.session.scheduled"], "scheduling.session.scheduled", True),
        (["scheduling.session.scheduled"], "scheduling.session.scheduled.v2", False),
        (["scheduling.session.scheduled"], "scheduling.meeting.created", False),
        (["Registration.*"], "registration.application.submitted", False),
        (["*.accepted"], "delegation.nomination.accepted", True),
        (["delegation.nomination.*", "registration.*"], "registration.application.nominated", True),
        (["delegation.nomination.*", "scheduling.*"], "registration.application.nominated", False),
        ([], "registration.application.submitted", False),
    ],
)
def test_matches(patterns: list[str], event_type: str, expected: bool) -> None:
    assert matches(patterns, event_type) is expected


@pytest.mark.parametrize("attempt", range(1, 12))
@pytest.mark.parametrize("seed", [0, 1, 42, 2025])
def test_next_delay_within_half_ceiling_and_ceiling(attempt: int, seed: int) -> None:
    base, cap = 1.0, 60.0
    ceiling = min(cap, base * 2 ** (attempt - 1))
    rng = random.Random(seed)
    for _ in range(50):
        delay = next_delay(attempt, base=base, cap=cap, rng=rng)
        assert ceiling / 2 <= delay <= ceiling


def test_next_delay_is_capped() -> None:
    rng = random.Random(7)
    delays = [next_delay(40, base=2.0, cap=30.0, rng=rng) for _ in range(200)]
    assert all(15.0 <= d <= 30.0 for d in delays)


def test_next_delay_grows_with_attempt() -> None:
    base, cap = 0.5, 1000.0
    rng = random.Random(3)
    # each attempt's lowest possible delay equals the previous attempt's highest
    for attempt in range(1, 10):
        here = next_delay(attempt, base=base, cap=cap, rng=rng)
        after = next_delay(attempt + 1, base=base, cap=cap, rng=rng)
        assert after >= here


def test_next_delay_ceiling_doubles_until_cap() -> None:
    # with a fixed draw, the delay is a fixed fraction of the ceiling
    delays = [next_delay(a, base=1.0, cap=16.0, rng=random.Random(5)) for a in range(1, 8)]
    assert delays[:5] == sorted(delays[:5])
    for earlier, later in itertools.pairwise(delays[:5]):
        assert later == pytest.approx(2 * earlier)
    assert delays[4] == delays[5] == delays[6]  # capped from attempt 5 on


def test_next_delay_is_reproducible_with_seeded_rng() -> None:
    first = [next_delay(a, base=1.0, cap=60.0, rng=random.Random(99)) for a in range(1, 6)]
    second = [next_delay(a, base=1.0, cap=60.0, rng=random.Random(99)) for a in range(1, 6)]
    assert first == second


def test_next_delay_without_rng_uses_module_random() -> None:
    delay = next_delay(3, base=1.0, cap=60.0)
    assert 2.0 <= delay <= 4.0


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        (199, False),
        (200, True),
        (201, True),
        (202, True),
        (204, True),
        (299, True),
        (300, False),
        (301, False),
        (400, False),
        (404, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_is_success(code: int, ok: bool) -> None:
    assert is_success(code) is ok


def test_an_idle_worker_sleeps_until_its_next_row_falls_due_at_most_its_longest_wait() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert idle_wait(None, now=now, longest=30.0) == 30.0
    assert idle_wait(now + timedelta(seconds=2.5), now=now, longest=30.0) == 2.5
    assert idle_wait(now + timedelta(minutes=5), now=now, longest=30.0) == 30.0
    assert idle_wait(now - timedelta(seconds=1), now=now, longest=30.0) == 0.0
