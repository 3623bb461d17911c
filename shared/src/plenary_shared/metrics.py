"""Prometheus metrics of the messaging machinery, served at /metrics."""

from prometheus_client import Counter

EVENTS_PUBLISHED = Counter("plenary_events_published", "Events relayed from the outbox", ["schema"])
EVENTS_CONSUMED = Counter(
    "plenary_events_consumed", "Events handled by a consumer", ["consumer", "outcome"]
)
