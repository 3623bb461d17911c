"""Kafka topic names: one events topic per producing service and one dead-letter topic per consumer."""

SCHEDULING = "scheduling.events"
DELEGATION = "delegation.events"
REGISTRATION = "registration.events"
NOTIFICATION = "notification.events"
EVENT_TOPICS = (SCHEDULING, DELEGATION, REGISTRATION, NOTIFICATION)


def dead_letter_topic(consumer: str) -> str:
    """The dead-letter topic of one consumer group."""
    return f"{consumer}.dlq"
