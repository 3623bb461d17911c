"""Kafka topic names: the events topics of the producing services and one dead-letter topic per consumer."""

SCHEDULING = "scheduling.events"
DELEGATION = "delegation.events"
REGISTRATION = "registration.events"
# invitations, codes and password resets: few, and awaited by a person, so kept apart from the
# bulk of registration's events (a 1,000-line import) that consumers work through in order
ACCOUNTS = "registration.accounts"
NOTIFICATION = "notification.events"
EVENT_TOPICS = (SCHEDULING, DELEGATION, REGISTRATION, ACCOUNTS, NOTIFICATION)


def dead_letter_topic(consumer: str) -> str:
    """The dead-letter topic of one consumer group."""
    return f"{consumer}.dlq"
