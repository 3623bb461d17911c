"""A lane's fetch wait: short while records come, long after a quiet spell, short again at once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from plenary_shared import kafka
from plenary_shared.kafka import FetchPace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(kafka.time, "monotonic", found)
    return found


def lane(wait_ms: int = 50):
    return SimpleNamespace(_fetcher=SimpleNamespace(_fetch_max_wait_ms=wait_ms))


def test_a_lane_quiet_for_the_idle_time_fetches_with_the_long_wait(clock: Clock) -> None:
    consumer = lane()
    pace = FetchPace(consumer, idle_ms=1000, idle_after_seconds=5)
    clock.now += 4.9
    pace.polled(False)
    assert consumer._fetcher._fetch_max_wait_ms == 50
    clock.now += 0.2
    pace.polled(False)
    assert consumer._fetcher._fetch_max_wait_ms == 1000
    assert pace.idle


def test_records_bring_back_the_short_wait_and_restart_the_quiet_time(clock: Clock) -> None:
    consumer = lane()
    pace = FetchPace(consumer, idle_ms=1000, idle_after_seconds=5)
    clock.now += 6
    pace.polled(False)
    pace.polled(True)
    assert consumer._fetcher._fetch_max_wait_ms == 50
    clock.now += 4
    pace.polled(False)
    assert consumer._fetcher._fetch_max_wait_ms == 50


def test_a_long_wait_no_longer_than_the_short_one_changes_nothing(clock: Clock) -> None:
    consumer = lane(wait_ms=2000)
    pace = FetchPace(consumer, idle_ms=1000, idle_after_seconds=5)
    clock.now += 60
    pace.polled(False)
    assert consumer._fetcher._fetch_max_wait_ms == 2000


def test_a_client_without_the_fetcher_attribute_is_left_alone(clock: Clock) -> None:
    pace = FetchPace(SimpleNamespace(), idle_ms=1000, idle_after_seconds=5)
    clock.now += 60
    pace.polled(False)
    assert not pace.idle


def test_the_installed_aiokafka_still_reads_the_wait_from_its_fetcher() -> None:
    """The attribute FetchPace sets is the one aiokafka builds each fetch request from."""
    import inspect

    from aiokafka.consumer import fetcher

    assert "self._fetch_max_wait_ms," in inspect.getsource(fetcher.Fetcher._get_actions_per_node)
