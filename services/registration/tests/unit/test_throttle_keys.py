"""The client counter an attempt counts against: one per IPv4 address, one per IPv6 /64."""

import pytest

from plenary_registration.domain.throttle import key_of
from plenary_registration.service_layer.throttle import Scope, keys_of


@pytest.mark.parametrize(
    ("client", "counted_as"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("2001:db8::5", "2001:db8::/64"),
        ("2001:db8::6", "2001:db8::/64"),
    ],
)
def test_a_client_counts_as_its_address_or_its_ipv6_network(client, counted_as):
    keys = keys_of("someone@example.org", client)
    assert keys == {Scope.ACCOUNT: key_of("someone@example.org"), Scope.CLIENT: key_of(counted_as)}


def test_without_a_client_only_the_account_counts():
    assert set(keys_of("someone@example.org", None)) == {Scope.ACCOUNT}
