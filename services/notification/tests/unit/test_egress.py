"""Which destinations a webhook may reach, and which subscriptions an event concerns."""

import ipaddress
from types import SimpleNamespace
from uuid import uuid4

import pytest

from plenary_notification.adapters.egress import EgressPolicy, Refused, why_forbidden
from plenary_notification.domain.model import concerns


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.10", "private"),
        ("fd12::1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "private"),  # "this network", which Python counts as private
        ("224.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_forbidden_with_the_reason(address, reason):
    assert reason in why_forbidden(ipaddress.ip_address(address))


def test_public_addresses_are_allowed():
    assert why_forbidden(ipaddress.ip_address("93.184.216.34")) is None
    assert why_forbidden(ipaddress.ip_address("2606:2800:220:1::1")) is None


def test_the_allow_list_opens_exactly_what_it_names():
    policy = EgressPolicy.from_list(["127.0.0.2", " receiver.internal ", ""])
    loopback2, loopback1 = ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.1")
    assert policy.pick("127.0.0.2", [loopback2]) == loopback2
    assert policy.pick("receiver.internal", [ipaddress.ip_address("10.1.2.3")])
    with pytest.raises(Refused, match=r"127\.0\.0\.1, a loopback address"):
        policy.pick("127.0.0.1", [loopback1])
    # a name with one forbidden address among several is refused whole
    with pytest.raises(Refused):
        policy.pick("mixed.example", [ipaddress.ip_address("93.184.216.34"), loopback1])
    with pytest.raises(Refused, match="does not resolve"):
        policy.pick("nowhere.example", [])


def _subscription(**scope):
    values = {"meeting_id": None, "delegation_id": None, "application_id": None, **scope}
    return SimpleNamespace(event_types=["registration.*"], **values)


def test_an_event_concerns_a_subscription_by_type_meeting_delegation_and_person():
    meeting, delegation, person = uuid4(), uuid4(), uuid4()
    data = {
        "meeting_id": str(meeting),
        "delegation_id": str(delegation),
        "application_id": str(person),
    }
    assert concerns(_subscription(), "registration.application.submitted", data)
    assert not concerns(_subscription(), "delegation.delegation.registered", data)
    assert concerns(_subscription(meeting_id=meeting), "registration.x", data)
    assert not concerns(_subscription(meeting_id=uuid4()), "registration.x", data)
    assert concerns(_subscription(delegation_id=delegation), "registration.x", data)
    assert not concerns(_subscription(delegation_id=uuid4()), "registration.x", data)
    assert concerns(_subscription(application_id=person), "registration.x", data)
    assert not concerns(_subscription(application_id=uuid4()), "registration.x", data)
    # an event that names no delegation never reaches a delegation's subscription
    assert not concerns(_subscription(delegation_id=delegation), "registration.x", {})
