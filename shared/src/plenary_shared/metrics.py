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
