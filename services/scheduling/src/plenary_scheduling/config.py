"""Scheduling settings (env prefix SCHEDULING_)."""

from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the scheduling service."""

    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")

    # a room must stand empty this long between two sessions (cleaning, security sweep)
    room_changeover_minutes: int = 15
    # where calendar links point (the public base URL of this service)
    public_url: str = ""

    @property
    def changeover(self) -> timedelta:
        """The changeover time between two sessions in one room."""
        return timedelta(minutes=self.room_changeover_minutes)
