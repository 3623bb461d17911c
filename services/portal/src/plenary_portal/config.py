"""Settings of the portal (environment variables prefixed PORTAL_)."""

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the four services are, the key that verifies sessions, and cookie policy."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    scheduling_url: str = "http://127.0.0.1:8001"
    delegation_url: str = "http://127.0.0.1:8002"
    registration_url: str = "http://127.0.0.1:8003"
    notification_url: str = "http://127.0.0.1:8004"
    jwt_public_key: str = ""
    jwt_public_key_file: Path | None = None
    jwt_audience: str = "plenary"
    jwt_issuer: str = "plenary"
    # signs the forms' CSRF tokens: the same on every replica (unset: a random one per process)
    csrf_key: str = ""
    csrf_key_file: Path | None = None
    # behind TLS in production: session cookies are then sent over HTTPS only
    secure_cookies: bool = False
    http_timeout_seconds: float = 15.0
    max_upload_bytes: int = 1_048_576
    page_size: int = 50
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _load_key_file(self) -> "Settings":
        if not self.jwt_public_key and self.jwt_public_key_file:
            self.jwt_public_key = self.jwt_public_key_file.read_text()
        if not self.csrf_key and self.csrf_key_file:
            self.csrf_key = self.csrf_key_file.read_text().strip()
        return self

    def url(self, service: str) -> str:
        """Base URL of one of the four services."""
        return getattr(self, f"{service}_url").rstrip("/")
