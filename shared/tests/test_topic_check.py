"""What a look at the broker's topics says: missing, another partition count, a forgotten marker."""

from plenary_shared.kafka import exact_pattern
from plenary_shared.topic_keeper import TopicCheck, compare, marker_topic

WANTED = ("scheduling.events", "delegation.events")
MARKER = marker_topic("scheduling")


def test_a_broker_holding_everything_as_configured():
    found = {"scheduling.events": 3, "delegation.events": 3, MARKER: 1, "other": 7}
    assert compare(found, WANTED, partitions=3, marker=MARKER) == TopicCheck()


def test_a_new_or_emptied_broker_misses_everything_and_the_marker():
    check = compare({}, WANTED, partitions=3, marker=MARKER)
    assert check.missing == WANTED
    assert check.forgotten
    assert check.mismatched == {}


def test_an_auto_created_topic_shows_its_partition_count():
    found = {"scheduling.events": 4, MARKER: 1}
    check = compare(found, WANTED, partitions=3, marker=MARKER)
    assert check.mismatched == {"scheduling.events": 4}
    assert check.missing == ("delegation.events",)
    assert not check.forgotten


def test_the_marker_is_the_services_own():
    assert marker_topic("delegation") != MARKER
    assert marker_topic("delegation") == "plenary.delegation.marker"


def test_a_consumer_pattern_matches_its_topics_exactly():
    import re

    pattern = re.compile(exact_pattern(("registration.events", "a.b")))
    assert pattern.match("registration.events")
    assert pattern.match("a.b")
    assert not pattern.match("registration.events.dlq")
    assert not pattern.match("registrationXevents")
    assert not pattern.match("axb")
