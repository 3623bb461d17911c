"""Scheduling settings (env prefix SCHEDULING_)."""

from pydantic_settings import SettingsConfigDict

from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the scheduling service."""

    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")
