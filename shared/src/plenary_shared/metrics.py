"""Prometheus metrics of the messaging machinery, served at /metrics."""

from prometheus_client import Counter, Gauge, Histogram

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

# the operator's view (dashboards and alerts refer to these names): low cardinality only
HTTP_REQUEST_DURATION = Histogram(
    "plenary_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template (never the raw path) and status",
    ["service", "route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSUMER_LAG = Gauge(
    "plenary_consumer_lag",
    "Records on the broker this replica's consumer has not handled yet, per partition it holds",
    ["service", "topic", "partition"],
)
OUTBOX_BACKLOG = Gauge(
    "plenary_outbox_backlog", "Committed outbox rows not yet published", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "plenary_outbox_oldest_age_seconds",
    "Age of the oldest outbox row not yet published (0 when none waits)",
    ["service"],
)
DEAD_LETTERS = Counter(
    "plenary_dead_letters",
    "Records that failed every attempt and went to the dead-letter topic, by the topic they came from",
    ["service", "topic"],
)
PARKED_EVENTS = Gauge(
    "plenary_parked_events",
    "Events parked until what they refer to is known",
    ["service"],
)
DELIVERIES = Counter(
    "plenary_deliveries",
    "Webhook and e-mail delivery attempts by outcome",
    ["channel", "outcome"],
)
DELIVERY_DURATION = Histogram(
    "plenary_delivery_duration_seconds",
    "Time of one webhook request or SMTP send",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DB_POOL_IN_USE = Gauge(
    "plenary_db_pool_in_use", "Database connections checked out of the pool", ["service"]
)
