"""Request and response models of the delegation API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from plenary_delegation.domain.model import DelegationKind


class DelegationCreate(BaseModel):
    """A delegation to register for a meeting."""

    model_config = ConfigDict(extra="forbid")

    id: UUID | None = Field(None, description="optional client-chosen id, for safe retries")
    name: str = Field(min_length=1, max_length=200, examples=["Republic of Kazakhstan"])
    country_code: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code, for states"
    )
    kind: DelegationKind
    head_name: str | None = Field(None, max_length=200)
    head_title: str | None = Field(None, max_length=200)
    quota: int = Field(ge=0, le=100_000, description="how many participants it may accredit")


class DelegationRead(BaseModel):
    """A delegation with its quota use."""

    id: UUID
    meeting_id: UUID
    name: str
    country_code: str | None
    kind: DelegationKind
    head_name: str | None
    head_title: str | None
    quota: int
    quota_used: int
    status: str
    created_at: datetime
