"""Settings common to every service; each service subclasses with its own env prefix."""

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Connection URLs, keys and the timings of the messaging machinery."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/plenary"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_fetch_max_wait_ms: int = 50
    # the express lane (codes, invitations, sign-outs) carries a few events an hour: a person
    # hardly notices a quarter of a second, the broker notices the polls it is spared
    kafka_express_fetch_max_wait_ms: int = 250
    # a lane that has had no records for `kafka_idle_after_seconds` fetches with this wait: an
    # idle platform polls the broker about once a second per lane, not 20 times. Apache Kafka
    # answers a held fetch when records arrive; Tansu often holds it on, so there the first
    # record after a quiet spell waits up to this long (3 s spared the broker more, but put
    # 0.6-1 s on such a record's webhook where 1 s puts 0.1-0.25 s)
    kafka_idle_fetch_max_wait_ms: int = 1000
    # the express lane, idle nearly always, waits longer (a code by e-mail is not hurried)
    kafka_express_idle_fetch_max_wait_ms: int = 3000
    kafka_idle_after_seconds: float = 5.0
    topic_partitions: int = 3
    topic_replication_factor: int = 1
    # how often the topics are checked (missing, another partition count, a broker that forgot)
    topic_check_seconds: float = 5.0
    # after the broker lost its topics: republish the kept outbox by itself (the embedded dev
    # stack), or only say so and wait for `plenary republish` (the default)
    broker_loss_republish: bool = False
    # a recovery waits this long before republishing, so every service has rewound its consumers
    broker_loss_grace_seconds: float = 3.0
    jwt_public_key: str = ""
    jwt_public_key_file: Path | None = None
    jwt_audience: str = "plenary"
    jwt_issuer: str = "plenary"
    scheduling_url: str = "http://127.0.0.1:8001"
    delegation_url: str = "http://127.0.0.1:8002"
    registration_url: str = "http://127.0.0.1:8003"
    notification_url: str = "http://127.0.0.1:8004"
    http_timeout_seconds: float = 5.0
    max_body_bytes: int = 1_048_576
    relay_poll_seconds: float = 1.0
    # how often the relay looks anyway while LISTEN is connected (each commit wakes it)
    relay_listening_poll_seconds: float = 30.0
    relay_batch_size: int = 200
    # sent outbox rows are kept this long, so a republish can start anywhere within it
    outbox_retention_hours: float = 168.0
    outbox_prune_seconds: float = 3600.0
    outbox_prune_batch: int = 1000
    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.2
    park_retry_seconds: float = 1.0
    park_max_age_seconds: float = 86_400.0
    log_level: str = "INFO"
    # the Kafka client's own log lines (group joins, fetches); WARNING keeps them quiet
    kafka_log_level: str = "WARNING"
    log_json: bool = True

    @model_validator(mode="after")
    def _load_key_file(self) -> "ServiceSettings":
        if not self.jwt_public_key and self.jwt_public_key_file:
            self.jwt_public_key = self.jwt_public_key_file.read_text()
        return self
