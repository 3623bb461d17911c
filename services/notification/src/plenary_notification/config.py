"""Notification settings (env prefix NOTIFICATION_)."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from plenary_notification.adapters.egress import EgressPolicy
from plenary_notification.domain.delivery import STANDARD_SCHEDULE, RetryPolicy
from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the notification service."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    # Standard Webhooks recommends 15-30 s; lower is allowed for the test platform only
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=30)
    # the wait after each failed attempt, comma-separated (one attempt more than waits); the
    # default is the Standard Webhooks schedule, 8 attempts over about 27.6 hours
    webhook_retry_schedule_seconds: Annotated[tuple[float, ...], NoDecode] = STANDARD_SCHEDULE
    # the longest wait a receiver's Retry-After (on 429 and 5xx) may ask for
    webhook_retry_after_max_seconds: float = Field(default=3600.0, ge=0)
    # the dispatcher is woken when deliveries are queued and sleeps until the next retry is
    # due; this is only its longest sleep (for rows another replica queued)
    webhook_poll_seconds: float = 30.0
    webhook_concurrency: int = 64
    # each endpoint's own limit, so that a slow receiver holds at most this many of the slots
    webhook_endpoint_concurrency: int = 4
    # a receiver whose every delivery failed for this long is disabled and its owner told
    webhook_disable_after_seconds: float = 3 * 86_400
    # after a secret rotation the old secret keeps signing, beside the new one, for this long
    webhook_secret_grace_hours: float = 24.0
    # destinations allowed although not public: host names, addresses or networks (development)
    webhook_allowed_hosts: str = ""
    # e-mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: bool = False  # implicit TLS (port 465)
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "Plenary <no-reply@plenary.example>"
    email_concurrency: int = 8  # SMTP connections kept open
    email_batch: int = 200  # e-mails leased and sent per round
    email_max_attempts: int = 8
    email_backoff_seconds: float = 5.0
    email_backoff_max_seconds: float = 1800.0
    email_poll_seconds: float = 30.0  # the longest sleep, as webhook_poll_seconds
    portal_url: str = "http://127.0.0.1:8000"
    # the live stream: how long a client can be away and still resume, and how often it polls
    stream_retention_hours: float = 72.0
    stream_poll_seconds: float = 1.0
    # moved and re-roomed sessions are told in one message per person once edits have paused
    # this long (or at once when a schedule version is published); cancellations go at once
    change_quiet_seconds: float = 120.0
    change_check_seconds: float = 5.0
    # focal points who chose a digest get it once a day at this hour (UTC)
    digest_hour_utc: int = 6
    digest_check_seconds: float = 60.0
    # opens the invitation and reset links registration seals for notification
    link_seal_key: str = ""
    link_seal_key_file: Path | None = None

    @property
    def egress_policy(self) -> EgressPolicy:
        """Where webhooks may go."""
        return EgressPolicy.from_list(self.webhook_allowed_hosts.split(","))

    @property
    def webhook_retry(self) -> RetryPolicy:
        """How webhook deliveries are tried again."""
        return RetryPolicy.scheduled(
            self.webhook_retry_schedule_seconds,
            retry_after_max_seconds=self.webhook_retry_after_max_seconds,
        )

    @property
    def email_retry(self) -> RetryPolicy:
        """How e-mails are tried again."""
        return RetryPolicy(
            max_attempts=self.email_max_attempts,
            backoff_seconds=self.email_backoff_seconds,
            backoff_max_seconds=self.email_backoff_max_seconds,
        )

    @field_validator("webhook_retry_schedule_seconds", mode="before")
    @classmethod
    def _schedule(cls, value):
        if isinstance(value, str):
            try:
                value = tuple(float(v) for v in value.split(",") if v.strip())
            except ValueError:
                raise ValueError(
                    "give the waits in seconds, comma-separated, such as 5,300,1800"
                ) from None
        if not value or any(v < 0 for v in value):
            raise ValueError("the schedule needs at least one wait, none of them negative")
        return value

    @model_validator(mode="after")
    def _load_seal_key(self) -> "Settings":
        if not self.link_seal_key and self.link_seal_key_file:
            self.link_seal_key = self.link_seal_key_file.read_text().strip()
        return self
