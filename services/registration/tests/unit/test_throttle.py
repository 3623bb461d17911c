"""The throttle rule: free strikes, a lock that doubles up to a cap, forgetting, client addresses."""

from datetime import UTC, datetime, timedelta

import pytest

from plenary_registration.domain.throttle import (
    Counter,
    Rule,
    client_address,
    in_words,
    key_of,
    lock_for,
    retry_after,
    strike,
    wait,
)

RULE = Rule(
    free=5,
    base=timedelta(seconds=30),
    cap=timedelta(minutes=15),
    window=timedelta(minutes=15),
)
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LOOPBACK = ("127.0.0.0/8", "::1")


def test_the_lock_starts_at_the_fifth_strike_doubles_and_stops_at_the_cap():
    assert [lock_for(n, RULE).total_seconds() for n in range(1, 12)] == [
        0,
        0,
        0,
        0,
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]
    assert lock_for(10_000, RULE) == RULE.cap


def test_four_wrong_passwords_cost_nothing_and_the_fifth_locks_for_30_seconds():
    counter, now = Counter(), T0
    for _ in range(4):
        counter = strike(counter, RULE, now)
        assert wait(counter, now) is None
        now += timedelta(seconds=1)
    counter = strike(counter, RULE, now)
    assert counter.strikes == 5
    assert wait(counter, now) == timedelta(seconds=30)
    assert wait(counter, now + timedelta(seconds=29)) == timedelta(seconds=1)
    assert wait(counter, now + timedelta(seconds=30)) is None


def test_a_strike_after_a_lock_doubles_it():
    counter = Counter(strikes=5, last_strike_at=T0, locked_until=T0 + timedelta(seconds=30))
    after = strike(counter, RULE, T0 + timedelta(seconds=31))
    assert after.strikes == 6
    assert wait(after, T0 + timedelta(seconds=31)) == timedelta(seconds=60)


def test_strikes_are_forgotten_after_a_quiet_window_counted_from_the_end_of_the_lock():
    locked_until = T0 + timedelta(minutes=15)
    counter = Counter(strikes=10, last_strike_at=T0, locked_until=locked_until)
    # within the window after the lock: still remembered, so the next strike locks again
    soon = strike(counter, RULE, locked_until + timedelta(minutes=14))
    assert soon.strikes == 11 and wait(soon, locked_until + timedelta(minutes=14))
    # after a quiet window: counted afresh, free again
    later = strike(counter, RULE, locked_until + timedelta(minutes=16))
    assert later.strikes == 1 and wait(later, locked_until + timedelta(minutes=16)) is None


@pytest.mark.parametrize(
    ("remaining", "seconds", "words"),
    [
        (timedelta(seconds=0.2), 1, "1 second"),
        (timedelta(seconds=29.01), 30, "30 seconds"),
        (timedelta(seconds=60), 60, "1 minute"),
        (timedelta(seconds=61), 61, "2 minutes"),
        (timedelta(minutes=15), 900, "15 minutes"),
    ],
)
def test_the_wait_in_seconds_rounds_up_and_reads_in_words(remaining, seconds, words):
    assert retry_after(remaining) == seconds
    assert in_words(seconds) == words


def test_keys_are_hashes_of_the_normalised_address():
    assert key_of(" Zarina.FP@Example.org ") == key_of("zarina.fp@example.org")
    assert "zarina" not in key_of("zarina.fp@example.org")
    assert len(key_of("x")) == 64


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        # anyone can write the header: only a trusted proxy's is believed
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("::1", "2001:db8::5", "2001:db8::5"),
        # the client's own header is left of what the trusted proxy appended
        ("127.0.0.1", "10.9.9.9, 198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1, 127.0.0.2", "198.51.100.1"),
        # a proxy naming no one else (or itself) is no client to count
        ("127.0.0.1", None, None),
        ("127.0.0.1", "127.0.0.1", None),
        ("127.0.0.1", "not-an-address", None),
        (None, "198.51.100.1", None),
    ],
)
def test_the_client_address_trusts_only_configured_proxies(peer, forwarded, client):
    assert client_address(peer, forwarded, LOOPBACK) == client


def test_with_no_trusted_proxy_the_header_is_ignored():
    assert client_address("127.0.0.1", "198.51.100.1", []) == "127.0.0.1"


def test_a_mistyped_trusted_proxy_stops_the_service_at_start():
    from pydantic import ValidationError

    from plenary_registration.config import Settings

    assert Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxies
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies="10.0.0.0/8,portal")
