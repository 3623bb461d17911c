"""Read models of the delegation API (the request bodies are in `domain.commands`)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from plenary_delegation.domain.commands import AccommodationPut, LiaisonPut
from plenary_delegation.domain.model import (
    DelegationKind,
    DelegationStatus,
    Direction,
    HeadRank,
    TravelMode,
)


class DelegationRead(BaseModel):
    """A delegation with its quotas and their use."""

    id: UUID
    meeting_id: UUID
    name: str
    names: dict[str, str]
    country_code: str | None
    kind: DelegationKind
    head_name: str | None
    head_title: str | None
    head_rank: HeadRank | None
    quota: int
    quota_used: int
    category_quotas: dict[str, int] = Field(description="categories with their own quota")
    category_used: dict[str, int] = Field(description="accepted nominations per category")
    session_seats: dict[str, int]
    waitlist_by_default: bool
    status: DelegationStatus
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row, counters) -> DelegationRead:
        """A stored delegation with its per-category counters."""
        return cls(
            **{k: v for k, v in row._mapping.items() if k in cls.model_fields},
            category_quotas={c.category: c.quota for c in counters if c.quota is not None},
            category_used={c.category: c.used for c in counters if c.used},
        )


class FocalPointRead(BaseModel):
    """A current focal point of a delegation."""

    id: UUID
    delegation_id: UUID
    email: str
    name: str
    language: str
    assigned_by: str
    assigned_at: datetime


class MovementRead(BaseModel):
    """An arrival or departure, in venue-local time and UTC."""

    id: UUID
    delegation_id: UUID
    meeting_id: UUID
    direction: Direction
    mode: TravelMode
    carrier: str | None
    number: str | None
    place: str
    persons: int
    timezone: str
    scheduled_at: datetime = Field(description="venue-local time with offset")
    scheduled_at_utc: datetime
    created_at: datetime

    @classmethod
    def from_row(cls, row) -> MovementRead:
        """Render a stored (UTC) movement in its meeting's zone."""
        values = {k: v for k, v in row._mapping.items() if k in cls.model_fields}
        values["scheduled_at"] = row.scheduled_at.astimezone(ZoneInfo(row.timezone))
        values["scheduled_at_utc"] = row.scheduled_at
        return cls(**values)


class ArrivalRead(MovementRead):
    """An arrival with the name of its delegation."""

    delegation_name: str
    country_code: str | None


class AccommodationRead(AccommodationPut):
    """A delegation's hotel and room block, with who set it."""

    model_config = ConfigDict(extra="ignore")

    hotel: str  # as stored
    check_in: date
    check_out: date
    delegation_id: UUID
    updated_by: str
    updated_at: datetime


class LiaisonRead(LiaisonPut):
    """A delegation's liaison officer, with who set it."""

    model_config = ConfigDict(extra="ignore")

    name: str  # as stored
    delegation_id: UUID
    updated_by: str
    updated_at: datetime


class WaitingEntry(BaseModel):
    """A nomination waiting for a seat, with its place in its category's line."""

    application_id: UUID
    category: str
    position: int = Field(description="1 = the next of its category to get a freed seat")
    waitlisted_at: datetime
