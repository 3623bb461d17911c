"""Notification settings (env prefix NOTIFICATION_)."""

from pydantic_settings import SettingsConfigDict

from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the notification service."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_seconds: float = 2.0
    webhook_backoff_max_seconds: float = 600.0
    webhook_poll_seconds: float = 1.0
    webhook_concurrency: int = 20
