"""Delegation settings (env prefix DELEGATION_)."""

from pydantic_settings import SettingsConfigDict

from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the delegation service."""

    model_config = SettingsConfigDict(env_prefix="DELEGATION_", extra="ignore")
