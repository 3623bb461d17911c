"""The one settle-or-retry rule of webhooks and e-mails (schedule, Retry-After), and the channel
table."""

from __future__ import annotations

import random
import typing
from datetime import UTC, datetime, timedelta

import pytest

from plenary_notification.config import Settings
from plenary_notification.domain.commands import ChannelName
from plenary_notification.domain.delivery import (
    GIVEN_UP,
    SCHEDULE_JITTER,
    SETTLED,
    STANDARD_SCHEDULE,
    Retry,
    RetryPolicy,
    parse_retry_after,
    settle,
)
from plenary_notification.domain.model import CHANNELS, Channel, Sends, UnknownChannel, rules_of

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=8, backoff_seconds=2.0, backoff_max_seconds=600.0)
SCHEDULED = RetryPolicy.scheduled(STANDARD_SCHEDULE, retry_after_max_seconds=3600.0)


def test_a_success_is_settled_whatever_the_attempt():
    assert settle(8, failed=False, policy=POLICY, now=NOW) is SETTLED


@pytest.mark.parametrize("attempts", [1, 2, 5, 7])
def test_a_failure_before_the_last_attempt_is_retried_within_its_backoff_window(attempts):
    decision = settle(attempts, failed=True, policy=POLICY, now=NOW, rng=random.Random(attempts))
    assert isinstance(decision, Retry)
    ceiling = min(600.0, 2.0 * 2 ** (attempts - 1))
    assert NOW + timedelta(seconds=ceiling / 2) <= decision.at <= NOW + timedelta(seconds=ceiling)


def test_the_backoff_is_capped():
    decision = settle(7, failed=True, policy=POLICY, now=NOW, rng=random.Random(1))
    assert decision.at - NOW <= timedelta(seconds=128)
    capped = RetryPolicy(max_attempts=30, backoff_seconds=2.0, backoff_max_seconds=600.0)
    far = settle(20, failed=True, policy=capped, now=NOW, rng=random.Random(1))
    assert timedelta(seconds=300) <= far.at - NOW <= timedelta(seconds=600)


def test_the_last_allowed_attempt_and_a_permanent_refusal_are_given_up():
    assert settle(8, failed=True, policy=POLICY, now=NOW) is GIVEN_UP
    assert settle(9, failed=True, policy=POLICY, now=NOW) is GIVEN_UP
    assert settle(1, failed=True, permanent=True, policy=POLICY, now=NOW) is GIVEN_UP


def test_webhooks_and_e_mails_keep_their_own_numbers():
    settings = Settings()
    assert settings.webhook_retry == RetryPolicy(
        8, schedule=STANDARD_SCHEDULE, retry_after_max_seconds=3600.0
    )
    assert settings.webhook_timeout_seconds == 15.0
    assert settings.email_retry == RetryPolicy(8, 5.0, 1800.0)


def test_the_default_webhook_schedule_is_the_standard_one_over_about_27_hours():
    assert STANDARD_SCHEDULE == (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
    assert 27 * 3600 < sum(STANDARD_SCHEDULE) < 28 * 3600


@pytest.mark.parametrize("attempts", range(1, 8))
def test_a_scheduled_retry_waits_its_step_lengthened_by_at_most_the_jitter(attempts):
    decision = settle(attempts, failed=True, policy=SCHEDULED, now=NOW, rng=random.Random(7))
    step = STANDARD_SCHEDULE[attempts - 1]
    assert isinstance(decision, Retry)
    assert step <= (decision.at - NOW).total_seconds() <= step * (1 + SCHEDULE_JITTER)


def test_the_jitter_spreads_retries_failed_together():
    waits = {settle(3, failed=True, policy=SCHEDULED, now=NOW).at for _ in range(20)}
    assert len(waits) > 1


def test_a_schedule_attempts_once_more_than_it_has_waits():
    assert SCHEDULED.max_attempts == 8
    assert isinstance(settle(7, failed=True, policy=SCHEDULED, now=NOW), Retry)
    assert settle(8, failed=True, policy=SCHEDULED, now=NOW) is GIVEN_UP


@pytest.mark.parametrize(
    ("asked", "waited"),
    [(2, 5), (60, 60), (86_400, 3600), (None, 5)],  # below, within, beyond the bounds, absent
)
def test_retry_after_is_honoured_between_the_schedule_s_wait_and_the_maximum(asked, waited):
    policy = RetryPolicy.scheduled((5, 300), retry_after_max_seconds=3600)
    decision = settle(
        1, failed=True, policy=policy, now=NOW, retry_after=asked, rng=random.Random(0)
    )
    assert waited <= (decision.at - NOW).total_seconds() <= max(waited, 5 * 1.1)


def test_retry_after_is_ignored_where_the_policy_has_no_maximum():
    decision = settle(1, failed=True, policy=POLICY, now=NOW, retry_after=500, rng=random.Random(0))
    assert decision.at - NOW <= timedelta(seconds=2)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Mon, 01 Mar 2027 09:02:00 GMT", 120.0),
        ("Mon, 01 Mar 2027 08:00:00 GMT", 0.0),  # a date past: at once
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("٣", None),  # a digit, but not an ASCII one
        ("Mon, 99 Foo 2027 09:02:00 GMT", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date_and_garbage_ignored(header, seconds):
    assert parse_retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize("schedule", ["", "5,soon", "-1,5"])
def test_a_bad_schedule_setting_is_refused_with_what_to_give(schedule):
    with pytest.raises(ValueError, match=r"schedule|comma-separated"):
        Settings(webhook_retry_schedule_seconds=schedule)


def test_the_schedule_setting_is_read_comma_separated(monkeypatch):
    monkeypatch.setenv("NOTIFICATION_WEBHOOK_RETRY_SCHEDULE_SECONDS", "0.2, 1,2")
    assert Settings().webhook_retry.schedule == (0.2, 1.0, 2.0)
    assert Settings().webhook_retry.max_attempts == 4


def test_a_webhook_timeout_beyond_the_recommended_30_seconds_is_refused():
    with pytest.raises(ValueError, match="30"):
        Settings(webhook_timeout_seconds=60)


def test_the_api_s_channel_values_are_the_domain_s_channels():
    assert set(typing.get_args(ChannelName)) == {c.value for c in Channel} == set(CHANNELS)


def test_what_each_channel_does():
    assert rules_of("webhook").sends is Sends.DELIVERY and rules_of("webhook").keeps_while_paused
    assert rules_of("email").sends is Sends.EMAIL and not rules_of("email").keeps_while_paused
    assert rules_of("stream").sends is Sends.NOTHING and rules_of("stream").no_ping
    assert [c for c in Channel if rules_of(c).signed] == [Channel.WEBHOOK]


def test_an_unknown_channel_is_refused():
    with pytest.raises(UnknownChannel, match="'sms' is not a channel; the channels are webhook"):
        rules_of("sms")
