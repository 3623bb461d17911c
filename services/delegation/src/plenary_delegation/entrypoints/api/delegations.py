"""Routes of delegations: registered, listed, exported, read, changed, their quotas, withdrawn."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from plenary_delegation.adapters import queries
from plenary_delegation.domain.commands import (
    DelegationCreate,
    DelegationUpdate,
    QuotasUpdate,
    WithdrawalCreate,
)
from plenary_delegation.domain.model import (
    DelegationKind,
    DelegationStatus,
    collation_key,
    search_fold,
)
from plenary_delegation.entrypoints.api.policy import POLICY, ensure_reaches
from plenary_delegation.entrypoints.api.schemas import DelegationRead
from plenary_delegation.service_layer import delegations
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.conditional import CONDITIONAL_GET, conditional
from plenary_shared.csv_export import csv_response
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Line
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, ServiceRuntime, UnitOfWorkDep
from plenary_shared.vocabulary import Category

router = APIRouter(prefix="/v1", tags=["delegations"])

Sort = Literal["name", "protocol", "created_at"]
SortLanguage = Literal["en", "ru"]


async def read_delegation(rt: ServiceRuntime, delegation_id: UUID) -> DelegationRead:
    """One delegation with its quotas and their use (the caller's scope already checked)."""
    async with rt.engine.connect() as conn:
        row = await queries.get_delegation(conn, delegation_id)
        if row is None:
            raise NotFound(f"delegation {delegation_id} does not exist")
        counters = await queries.category_counters(conn, [delegation_id])
    return DelegationRead.from_row(row, counters[delegation_id])


@router.post(
    "/meetings/{meeting_id}/delegations",
    status_code=status.HTTP_201_CREATED,
    response_model=DelegationRead,
)
async def register_delegation(
    meeting_id: UUID,
    body: DelegationCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("delegations.create")],
    response: Response,
) -> DelegationRead:
    """Register a delegation with its quotas (publishes `delegation.delegation.registered`)."""
    principal = grant.principal

    async def ask_scheduling(mid: UUID) -> dict | None:
        url = f"{rt.settings.scheduling_url}/v1/meetings/{mid}"
        return await fetch_if_exists(rt.http, url=url, token=principal.token, owner="scheduling")

    if earlier := await uow.earlier_result():
        response.headers["Location"] = f"/v1/delegations/{earlier}"
        return await read_delegation(rt, UUID(earlier))
    async with uow:
        delegation_id = await delegations.register_delegation(
            uow,
            meeting_id=meeting_id,
            command=body,
            actor=principal.subject,
            ask_scheduling=ask_scheduling,
        )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}"
    return await read_delegation(rt, delegation_id)


async def _visible_delegations(
    rt: ServiceRuntime,
    meeting_id: UUID,
    grant: Grant,
    *,
    kind: DelegationKind | None = None,
    status_: DelegationStatus | None = None,
) -> list:
    """A meeting's delegations within the grant: every one, or the focal point's own."""
    async with rt.engine.connect() as conn:
        return await queries.list_delegations(
            conn,
            meeting_id,
            only=grant.only_delegation,
            kind=kind.value if kind else None,
            status=status_.value if status_ else None,
        )


def _sorted(rows: list, *, sort: Sort, lang: SortLanguage) -> list:
    """Delegations in the requested order, sorted in Python (no database collation)."""
    if sort == "created_at":
        return sorted(rows, key=lambda r: (r.created_at, r.id))
    if sort == "protocol":
        return sorted(
            rows, key=lambda r: (collation_key(r.names.get(lang) or r.name, lang=lang), r.id)
        )
    return sorted(rows, key=lambda r: (collation_key(r.name), r.id))


@router.get("/meetings/{meeting_id}/delegations", response_model=Page[DelegationRead])
async def list_delegations(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("delegations.list")],
    page: PageDep,
    kind: DelegationKind | None = None,
    status_: DelegationStatus | None = Query(None, alias="status"),
    q: Line | None = Query(None, min_length=1, max_length=100, description="search in names"),
    sort: Sort = Query(
        "name",
        description="name; protocol: alphabetical by the name in `lang`; created_at",
    ),
    lang: SortLanguage = Query("en", description="the language of protocol order"),
) -> Page[DelegationRead]:
    """A meeting's delegations, filtered and sorted; a focal point sees its own only."""
    rows = await _visible_delegations(rt, meeting_id, grant, kind=kind, status_=status_)
    if q:
        needle = search_fold(q)
        rows = [
            r for r in rows if any(needle in search_fold(n) for n in (r.name, *r.names.values()))
        ]
    rows = _sorted(rows, sort=sort, lang=lang)
    chosen = rows[page.offset : page.offset + page.limit]
    async with rt.engine.connect() as conn:
        counters = await queries.category_counters(conn, [r.id for r in chosen])
    items = [DelegationRead.from_row(r, counters[r.id]) for r in chosen]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/meetings/{meeting_id}/delegations.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "one row per delegation",
        }
    },
    openapi_extra=CONDITIONAL_GET,
)
async def export_delegations(
    meeting_id: UUID,
    request: Request,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("delegations.export")],
) -> Response:
    """A meeting's delegations as CSV: kind, head, quota and use in total and per category."""
    rows = _sorted(await _visible_delegations(rt, meeting_id, grant), sort="name", lang="en")
    async with rt.engine.connect() as conn:
        counters = await queries.category_counters(conn, [r.id for r in rows])
    categories = [c.value for c in Category]
    header = [
        "id",
        "name",
        "name_en",
        "name_ru",
        "country_code",
        "kind",
        "status",
        "head_name",
        "head_title",
        "head_rank",
        "quota",
        "used",
        *(f"{c}_{what}" for c in categories for what in ("used", "quota")),
        "session_seats",
    ]
    lines = []
    for row in rows:
        by_category = {c.category: c for c in counters[row.id]}
        per_category = []
        for c in categories:
            counter = by_category.get(c)
            per_category += [counter.used if counter else 0, counter.quota if counter else None]
        lines.append(
            [
                row.id,
                row.name,
                row.names.get("en"),
                row.names.get("ru"),
                row.country_code,
                row.kind,
                row.status,
                row.head_name,
                row.head_title,
                row.head_rank,
                row.quota,
                row.quota_used,
                *per_category,
                "; ".join(f"{k}={v}" for k, v in sorted(row.session_seats.items())),
            ]
        )
    response = csv_response(header, lines, filename=f"delegations-{meeting_id}.csv")
    return conditional(request, response)


@router.get("/delegations/{delegation_id}", response_model=DelegationRead)
async def get_delegation(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("delegations.read")],
) -> DelegationRead:
    """One delegation with its quotas and their use (organisers, or its own focal point)."""
    ensure_reaches(grant, delegation_id)
    return await read_delegation(rt, delegation_id)


@router.patch("/delegations/{delegation_id}", response_model=DelegationRead)
async def update_delegation(
    delegation_id: UUID,
    body: DelegationUpdate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("delegations.update")],
) -> DelegationRead:
    """Change a delegation's names and head of delegation; only the fields sent change."""
    ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await delegations.update_delegation(uow, delegation_id=delegation_id, command=body)
    return await read_delegation(rt, delegation_id)


@router.patch("/delegations/{delegation_id}/quotas", response_model=DelegationRead)
async def change_quotas(
    delegation_id: UUID,
    body: QuotasUpdate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("quotas.change")],
) -> DelegationRead:
    """Change quotas, never below what is used (publishes `delegation.quotas.changed`)."""
    ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await delegations.change_quotas(uow, delegation_id=delegation_id, command=body)
    return await read_delegation(rt, delegation_id)


@router.post("/delegations/{delegation_id}/withdrawal", response_model=DelegationRead)
async def withdraw_delegation(
    delegation_id: UUID,
    body: WithdrawalCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("delegations.withdraw")],
) -> DelegationRead:
    """Withdraw a delegation from its meeting (publishes `delegation.delegation.withdrawn`)."""
    ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await delegations.withdraw_delegation(
                uow, delegation_id=delegation_id, reason=body.reason, actor=grant.principal.subject
            )
    return await read_delegation(rt, delegation_id)
