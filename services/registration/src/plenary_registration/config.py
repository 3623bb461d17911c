"""Registration settings (env prefix REGISTRATION_)."""

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the registration service."""

    model_config = SettingsConfigDict(env_prefix="REGISTRATION_", extra="ignore")

    data_key: str = ""
    data_key_file: Path | None = None
    badge_key: str = ""
    badge_key_file: Path | None = None
    badge_number_prefix: str = "PL"
    document_retention_days: int = 30
    retention_sweep_seconds: float = 3600.0

    @model_validator(mode="after")
    def _load_key_files(self) -> "Settings":
        if not self.data_key and self.data_key_file:
            self.data_key = self.data_key_file.read_text().strip()
        if not self.badge_key and self.badge_key_file:
            self.badge_key = self.badge_key_file.read_text()
        return self
