"""HTTP routes for organiser reports: the participants CSV, anonymised counts, and the document purge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from plenary_registration.adapters import queries
from plenary_registration.domain import examples as ex
from plenary_registration.domain.model import State
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.service_layer.retention import purge_meeting
from plenary_shared.authz import Grant
from plenary_shared.conditional import CONDITIONAL_GET, conditional
from plenary_shared.csv_export import csv_response
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["reports"])


class Statistics(BaseModel):
    """Anonymised counts of a meeting's applications; they survive the document purge."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "meeting_id": ex.MEETING_ID,
                    "delegation_id": None,
                    "total": 57,
                    "by_state": {"accredited": 41, "nominated": 9, "waitlisted": 4, "withdrawn": 3},
                    "by_category": {"delegate": 22, "adviser": 14, "security": 9, "media": 12},
                    "by_nationality": {"KAZ": 31, "RUS": 24, "UZB": 2},
                    "by_delegation": {
                        ex.DELEGATION_ID: 31,
                        "5e7f3a1c-2b4d-4c6e-8f0a-1b2c3d4e5f60": 26,
                    },
                }
            ]
        }
    )

    meeting_id: UUID = Field(description="The meeting counted.")
    delegation_id: UUID | None = Field(
        None,
        description="The delegation counted; null when the counts cover every delegation "
        "(a focal point's are always of its own).",
    )
    total: int = Field(description="Applications counted, in any state.")
    by_state: dict[str, int] = Field(
        description="Applications per state (submitted, nominated, accredited, ...); states "
        "with none are left out."
    )
    by_category: dict[str, int] = Field(description="Applications per participant category.")
    by_nationality: dict[str, int] = Field(
        description="Applications per nationality, keyed by ISO 3166-1 alpha-3 code."
    )
    by_delegation: dict[str, int] = Field(description="Applications per delegation id.")


class PurgeResult(BaseModel):
    """What a purge did."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"meeting_id": ex.MEETING_ID, "purged_applications": 57}]}
    )

    meeting_id: UUID = Field(description="The meeting whose document data was erased.")
    purged_applications: int = Field(
        description="Applications whose passport data, date of birth and photo were erased now; "
        "0 when an earlier purge already did."
    )


@router.get(
    "/meetings/{meeting_id}/participants.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "one row per participant in the state asked for; no document data",
        }
    },
    openapi_extra=CONDITIONAL_GET,
)
async def export_participants(
    meeting_id: UUID,
    request: Request,
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("reports.participants")],
    state: State = State.ACCREDITED,
) -> Response:
    """The meeting's participants in one state (accredited by default), as CSV; no document data."""
    columns = (
        "application_id",
        "delegation",
        "family_name",
        "given_name",
        "family_name_native",
        "given_name_native",
        "position",
        "category",
        "nationality",
        "email",
        "phone",
        "dietary",
        "accessibility",
        "state",
    )
    async with rt.engine.connect() as conn:
        rows = await queries.participants(conn, meeting_id, state.value)
    values = ({**row._mapping, "application_id": row.id} for row in rows)
    lines = [[v.get(c) for c in columns] for v in values]
    filename = f"participants-{state.value}-{meeting_id}.csv"
    return conditional(request, csv_response(columns, lines, filename=filename))


@router.get("/meetings/{meeting_id}/statistics", response_model=Statistics)
async def statistics(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("reports.statistics")],
    delegation_id: Annotated[UUID | None, Query()] = None,
) -> Statistics:
    """How many applications by state, category, nationality and delegation (no personal data);
    a focal point gets its own delegation's, whatever it asks."""
    if not grant.everything:
        delegation_id = grant.only_delegation
    async with rt.engine.connect() as conn:
        counts = await queries.statistics(conn, meeting_id, delegation_id)
    return Statistics(
        meeting_id=meeting_id,
        delegation_id=delegation_id,
        total=sum(counts["by_state"].values()),
        **counts,
    )


@router.post("/meetings/{meeting_id}/document-purge", response_model=PurgeResult)
async def purge_documents(
    meeting_id: UUID,
    uow: UnitOfWorkDep,
    _: Annotated[Grant, POLICY.allows("applications.purge")],
) -> PurgeResult:
    """Erase the meeting's passport data, dates of birth and photos now (any day after it ended).

    The same purge runs by itself `REGISTRATION_DOCUMENT_RETENTION_DAYS` after the meeting ends.
    """
    async with uow:
        purged = await purge_meeting(
            uow, meeting_id=meeting_id, today=datetime.now(UTC).date(), early=True
        )
    return PurgeResult(meeting_id=meeting_id, purged_applications=purged)
