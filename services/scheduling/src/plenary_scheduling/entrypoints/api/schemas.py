"""Request and response models of the scheduling API."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plenary_shared.vocabulary import SessionFormat


class MeetingCreate(BaseModel):
    """A new meeting of the programme."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    city: str = Field(min_length=1, max_length=120)
    venue: str = Field(min_length=1, max_length=200)
    timezone: str = Field(description="IANA time zone of the venue, e.g. Europe/Moscow")
    starts_on: date
    ends_on: date
    requires_vetting: bool = Field(
        False, description="nominees must be cleared by the host's security service"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"'{value}' is not an IANA time zone (for example Europe/Moscow)")
        return value


class MeetingRead(BaseModel):
    """A meeting."""

    id: UUID
    title: str
    city: str
    venue: str
    timezone: str
    starts_on: date
    ends_on: date
    requires_vetting: bool
    created_at: datetime


class SessionCreate(BaseModel):
    """A session; times without an offset are wall-clock times at the venue."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    format: SessionFormat
    room: str = Field(min_length=1, max_length=200)
    starts_at: datetime
    ends_at: datetime


class SessionRead(BaseModel):
    """A session, in venue-local time and UTC."""

    id: UUID
    meeting_id: UUID
    title: str
    format: SessionFormat
    room: str
    timezone: str
    starts_at: datetime = Field(description="venue-local time with offset")
    ends_at: datetime = Field(description="venue-local time with offset")
    starts_at_utc: datetime
    ends_at_utc: datetime

    @classmethod
    def from_row(cls, row, timezone: str) -> SessionRead:
        """Render a stored (UTC) session in the venue's zone."""
        zone = ZoneInfo(timezone)
        return cls(
            id=row.id,
            meeting_id=row.meeting_id,
            title=row.title,
            format=row.format,
            room=row.room,
            timezone=timezone,
            starts_at=row.starts_at.astimezone(zone),
            ends_at=row.ends_at.astimezone(zone),
            starts_at_utc=row.starts_at,
            ends_at_utc=row.ends_at,
        )


class ParticipantRead(BaseModel):
    """An accredited participant as scheduling knows them."""

    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    given_name: str
    family_name: str
    category: str
    accredited_at: datetime
