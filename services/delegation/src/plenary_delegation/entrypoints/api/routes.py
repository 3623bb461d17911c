"""HTTP routes of the delegation service."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_delegation.adapters import repository
from plenary_delegation.domain.model import (
    DelegationKind,
    DelegationStatus,
    Direction,
    collation_key,
    local_day,
    search_fold,
)
from plenary_delegation.entrypoints.api.policy import POLICY
from plenary_delegation.entrypoints.api.schemas import (
    AccommodationPut,
    AccommodationRead,
    ArrivalRead,
    DelegationCreate,
    DelegationRead,
    DelegationUpdate,
    FocalPointCreate,
    FocalPointRead,
    LiaisonPut,
    LiaisonRead,
    MovementCreate,
    MovementRead,
    QuotasUpdate,
    WaitingEntry,
    WaitingListSettings,
    WithdrawalCreate,
)
from plenary_delegation.service_layer import handlers
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.csv_export import csv_response
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Day, Line
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, ServiceRuntime, UnitOfWorkDep
from plenary_shared.vocabulary import Category

router = APIRouter(prefix="/v1", tags=["delegations"])

Sort = Literal["name", "protocol", "created_at"]
SortLanguage = Literal["en", "ru"]


def _ensure_reaches(grant: Grant, delegation_id: UUID) -> None:
    """A delegation outside the grant's scope answers as if it did not exist."""
    if not grant.reaches(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")


async def _delegation(rt: ServiceRuntime, delegation_id: UUID) -> DelegationRead:
    """One delegation with its quotas and their use (the caller's scope already checked)."""
    async with rt.engine.connect() as conn:
        row = await repository.get_delegation(conn, delegation_id)
        if row is None:
            raise NotFound(f"delegation {delegation_id} does not exist")
        counters = await repository.category_counters(conn, [delegation_id])
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
        return await _delegation(rt, UUID(earlier))
    async with uow:
        delegation_id = await handlers.register_delegation(
            uow,
            meeting_id=meeting_id,
            command=body,
            actor=principal.subject,
            ask_scheduling=ask_scheduling,
        )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}"
    return await _delegation(rt, delegation_id)


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
        return await repository.list_delegations(
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
        counters = await repository.category_counters(conn, [r.id for r in chosen])
    items = [DelegationRead.from_row(r, counters[r.id]) for r in chosen]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/meetings/{meeting_id}/delegations.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per delegation"}},
)
async def export_delegations(
    meeting_id: UUID, rt: RuntimeDep, grant: Annotated[Grant, POLICY.allows("delegations.export")]
) -> Response:
    """A meeting's delegations as CSV: kind, head, quota and use in total and per category."""
    rows = _sorted(await _visible_delegations(rt, meeting_id, grant), sort="name", lang="en")
    async with rt.engine.connect() as conn:
        counters = await repository.category_counters(conn, [r.id for r in rows])
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
    return csv_response(header, lines, filename=f"delegations-{meeting_id}.csv")


@router.get("/meetings/{meeting_id}/arrivals", response_model=Page[ArrivalRead])
async def list_arrivals(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("arrivals.list")],
    page: PageDep,
    day: Day = Query(description="the venue-local day, e.g. 2025-11-16"),
) -> Page[ArrivalRead]:
    """Arrivals of every active delegation on one venue-local day, in time order."""
    async with rt.engine.connect() as conn:
        meeting = await repository.get_meeting(conn, meeting_id)
        if meeting is not None:
            start, end = local_day(day, meeting.timezone)
            rows, total = await repository.list_arrivals(
                conn, meeting_id, start=start, end=end, limit=page.limit, offset=page.offset
            )
            items = [ArrivalRead.from_row(r) for r in rows]
            return Page(items=items, total=total, limit=page.limit, offset=page.offset)
    url = f"{rt.settings.scheduling_url}/v1/meetings/{meeting_id}"
    token = grant.principal.token
    if await fetch_if_exists(rt.http, url=url, token=token, owner="scheduling") is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    return Page(items=[], total=0, limit=page.limit, offset=page.offset)


@router.get("/delegations/{delegation_id}", response_model=DelegationRead)
async def get_delegation(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("delegations.read")],
) -> DelegationRead:
    """One delegation with its quotas and their use (organisers, or its own focal point)."""
    _ensure_reaches(grant, delegation_id)
    return await _delegation(rt, delegation_id)


@router.patch("/delegations/{delegation_id}", response_model=DelegationRead)
async def update_delegation(
    delegation_id: UUID,
    body: DelegationUpdate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("delegations.update")],
) -> DelegationRead:
    """Change a delegation's names and head of delegation; only the fields sent change."""
    _ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await handlers.update_delegation(uow, delegation_id=delegation_id, command=body)
    return await _delegation(rt, delegation_id)


@router.patch("/delegations/{delegation_id}/quotas", response_model=DelegationRead)
async def change_quotas(
    delegation_id: UUID,
    body: QuotasUpdate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("quotas.change")],
) -> DelegationRead:
    """Change quotas, never below what is used (publishes `delegation.quotas.changed`)."""
    _ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await handlers.change_quotas(uow, delegation_id=delegation_id, command=body)
    return await _delegation(rt, delegation_id)


@router.get("/delegations/{delegation_id}/waiting-list", response_model=Page[WaitingEntry])
async def list_waiting(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("waiting_list.read")],
    page: PageDep,
    category: Category | None = None,
) -> Page[WaitingEntry]:
    """Nominations waiting for a seat, first come first; each with its place in its category."""
    _ensure_reaches(grant, delegation_id)
    async with rt.engine.connect() as conn:
        if await repository.get_delegation(conn, delegation_id) is None:
            raise NotFound(f"delegation {delegation_id} does not exist")
        rows, total = await repository.list_waiting(
            conn,
            delegation_id,
            category=category.value if category else None,
            limit=page.limit,
            offset=page.offset,
        )
    items = [WaitingEntry.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.put("/delegations/{delegation_id}/waiting-list", response_model=DelegationRead)
async def set_waiting_list_default(
    delegation_id: UUID,
    body: WaitingListSettings,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("waiting_list.configure")],
) -> DelegationRead:
    """Whether nominations over quota wait on the list by default (organisers, its focal point)."""
    _ensure_reaches(grant, delegation_id)
    async with uow:
        await handlers.set_waiting_list_default(
            uow, delegation_id=delegation_id, by_default=body.by_default
        )
    return await _delegation(rt, delegation_id)


@router.post("/delegations/{delegation_id}/withdrawal", response_model=DelegationRead)
async def withdraw_delegation(
    delegation_id: UUID,
    body: WithdrawalCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("delegations.withdraw")],
) -> DelegationRead:
    """Withdraw a delegation from its meeting (publishes `delegation.delegation.withdrawn`)."""
    _ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await handlers.withdraw_delegation(
                uow, delegation_id=delegation_id, reason=body.reason, actor=grant.principal.subject
            )
    return await _delegation(rt, delegation_id)


@router.post(
    "/delegations/{delegation_id}/focal-points",
    status_code=status.HTTP_201_CREATED,
    response_model=FocalPointRead,
)
async def assign_focal_point(
    delegation_id: UUID,
    body: FocalPointCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("focal_points.assign")],
    response: Response,
) -> FocalPointRead:
    """Make a person a focal point (publishes `delegation.focal_point.assigned`)."""
    _ensure_reaches(grant, delegation_id)
    if earlier := await uow.earlier_result():
        focal_point_id = UUID(earlier)
    else:
        async with uow:
            focal_point_id = await handlers.assign_focal_point(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}/focal-points/{focal_point_id}"
    async with rt.engine.connect() as conn:
        row = await repository.get_focal_point(conn, focal_point_id)
    return FocalPointRead.model_validate(row, from_attributes=True)


@router.get("/delegations/{delegation_id}/focal-points", response_model=Page[FocalPointRead])
async def list_focal_points(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("focal_points.list")],
    page: PageDep,
) -> Page[FocalPointRead]:
    """A delegation's current focal points (organisers, or its own focal point)."""
    _ensure_reaches(grant, delegation_id)
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_focal_points(
            conn, delegation_id, limit=page.limit, offset=page.offset
        )
    items = [FocalPointRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.delete(
    "/delegations/{delegation_id}/focal-points/{focal_point_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def revoke_focal_point(
    delegation_id: UUID,
    focal_point_id: UUID,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("focal_points.revoke")],
) -> Response:
    """End a focal point's assignment (publishes `delegation.focal_point.revoked`)."""
    _ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await handlers.revoke_focal_point(
                uow,
                delegation_id=delegation_id,
                focal_point_id=focal_point_id,
                actor=grant.principal.subject,
            )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/delegations/{delegation_id}/movements",
    status_code=status.HTTP_201_CREATED,
    response_model=MovementRead,
)
async def record_movement(
    delegation_id: UUID,
    body: MovementCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("movements.record")],
    response: Response,
) -> MovementRead:
    """Record an arrival or departure (organisers, or the delegation's focal point)."""
    _ensure_reaches(grant, delegation_id)
    if earlier := await uow.earlier_result():
        movement_id = UUID(earlier)
    else:
        async with uow:
            movement_id = await handlers.record_movement(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}/movements/{movement_id}"
    async with rt.engine.connect() as conn:
        row = await repository.get_movement(conn, movement_id)
    return MovementRead.from_row(row)


@router.get("/delegations/{delegation_id}/movements", response_model=Page[MovementRead])
async def list_movements(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("movements.list")],
    page: PageDep,
    direction: Direction | None = None,
) -> Page[MovementRead]:
    """A delegation's arrivals and departures in time order, in venue-local time."""
    _ensure_reaches(grant, delegation_id)
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_movements(
            conn,
            delegation_id,
            direction=direction.value if direction else None,
            limit=page.limit,
            offset=page.offset,
        )
    items = [MovementRead.from_row(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.put("/delegations/{delegation_id}/accommodation", response_model=AccommodationRead)
async def set_accommodation(
    delegation_id: UUID,
    body: AccommodationPut,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("accommodation.set")],
) -> AccommodationRead:
    """Set the delegation's hotel and room block (organisers, or its focal point)."""
    _ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await handlers.set_accommodation(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    return await _accommodation(rt, delegation_id)


@router.get("/delegations/{delegation_id}/accommodation", response_model=AccommodationRead)
async def get_accommodation(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("accommodation.read")],
) -> AccommodationRead:
    """The delegation's hotel and room block."""
    _ensure_reaches(grant, delegation_id)
    return await _accommodation(rt, delegation_id)


async def _accommodation(rt: ServiceRuntime, delegation_id: UUID) -> AccommodationRead:
    """The recorded hotel and room block, or 404."""
    async with rt.engine.connect() as conn:
        row = await repository.get_accommodation(conn, delegation_id)
    if row is None:
        raise NotFound(
            f"no accommodation is recorded for delegation {delegation_id}; "
            "PUT one to /accommodation"
        )
    return AccommodationRead.model_validate(row, from_attributes=True)


@router.put("/delegations/{delegation_id}/liaison", response_model=LiaisonRead)
async def set_liaison(
    delegation_id: UUID,
    body: LiaisonPut,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("liaison.assign")],
) -> LiaisonRead:
    """Assign the organiser's liaison officer to the delegation."""
    _ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await handlers.set_liaison(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    return await _liaison(rt, delegation_id)


@router.get("/delegations/{delegation_id}/liaison", response_model=LiaisonRead)
async def get_liaison(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("liaison.read")],
) -> LiaisonRead:
    """The delegation's liaison officer (organisers, or its focal point)."""
    _ensure_reaches(grant, delegation_id)
    return await _liaison(rt, delegation_id)


async def _liaison(rt: ServiceRuntime, delegation_id: UUID) -> LiaisonRead:
    """The assigned liaison officer, or 404."""
    async with rt.engine.connect() as conn:
        row = await repository.get_liaison(conn, delegation_id)
    if row is None:
        raise NotFound(f"no liaison officer is assigned to delegation {delegation_id} yet")
    return LiaisonRead.model_validate(row, from_attributes=True)
