"""Prometheus metrics of the messaging machinery, served at /metrics."""

from prometheus_client import Counter, Gauge

EVENTS_PUBLISHED = Counter("plenary_events_published", "Events relayed from the outbox", ["schema"])
EVENTS_CONSUMED = Counter(
    "plenary_events_consumed", "Events handled by a consumer", ["consumer", "outcome"]
)
RELAY_LISTENING = Gauge(
    "plenary_relay_listening",
    "1 while the outbox relay is woken by NOTIFY, 0 while it only polls",
    ["service"],
)
BROKER_REACHABLE = Gauge(
    "plenary_broker_reachable", "1 while the last topic check reached the broker", ["service"]
)
TOPICS_MISSING = Gauge(
    "plenary_topics_missing", "Topics the service needs that the broker does not hold", ["service"]
)
TOPICS_MISMATCHED = Gauge(
    "plenary_topics_partition_mismatch",
    "Topics whose partition count differs from the configured one",
    ["service"],
)
BROKER_RECOVERIES = Counter(
    "plenary_broker_recoveries",
    "Times the broker was found without this service's topics (lost data, or new)",
    ["service"],
)
