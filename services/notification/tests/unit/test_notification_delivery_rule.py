"""The one settle-or-retry rule of webhooks and e-mails, and the channel table."""

from __future__ import annotations

import random
import typing
from datetime import UTC, datetime, timedelta

import pytest

from plenary_notification.config import Settings
from plenary_notification.domain.commands import ChannelName
from plenary_notification.domain.delivery import GIVEN_UP, SETTLED, Retry, RetryPolicy, settle
from plenary_notification.domain.model import CHANNELS, Channel, Sends, UnknownChannel, rules_of

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=8, backoff_seconds=2.0, backoff_max_seconds=600.0)


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
    assert settings.webhook_retry == RetryPolicy(8, 2.0, 600.0)
    assert settings.email_retry == RetryPolicy(8, 5.0, 1800.0)


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
