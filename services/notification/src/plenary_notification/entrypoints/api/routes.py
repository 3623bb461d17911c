"""HTTP routes of the notification service."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from plenary_notification.adapters import repository
from plenary_notification.entrypoints.api.schemas import (
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)
from plenary_notification.service_layer import handlers
from plenary_shared.api import Page, PageDep
from plenary_shared.auth import OrganiserPrincipal
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["subscriptions"])


@router.post(
    "/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated
)
async def create_subscription(
    body: SubscriptionCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    principal: OrganiserPrincipal,
    response: Response,
) -> SubscriptionCreated:
    """Subscribe a webhook to event types; the answer carries the signing secret, once."""
    if earlier := await uow.earlier_result():
        subscription_id = UUID(earlier)
    else:
        async with uow:
            subscription_id, _ = await handlers.create_subscription(
                uow, command=body, owner=principal.subject
            )
    response.headers["Location"] = f"/v1/subscriptions/{subscription_id}"
    async with rt.engine.connect() as conn:
        row = await repository.get_subscription(conn, subscription_id)
    return SubscriptionCreated.model_validate(row, from_attributes=True)


@router.get("/subscriptions", response_model=Page[SubscriptionRead])
async def list_subscriptions(
    rt: RuntimeDep, _: OrganiserPrincipal, page: PageDep
) -> Page[SubscriptionRead]:
    """Subscriptions, newest first."""
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_subscriptions(
            conn, owner=None, limit=page.limit, offset=page.offset
        )
    items = [SubscriptionRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
async def get_subscription(
    subscription_id: UUID, rt: RuntimeDep, _: OrganiserPrincipal
) -> SubscriptionRead:
    """One subscription."""
    async with rt.engine.connect() as conn:
        row = await repository.get_subscription(conn, subscription_id)
    if row is None:
        raise NotFound(f"subscription {subscription_id} does not exist")
    return SubscriptionRead.model_validate(row, from_attributes=True)


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(
    subscription_id: UUID, uow: UnitOfWorkDep, _: OrganiserPrincipal
) -> None:
    """Remove a subscription; its pending deliveries are cancelled."""
    async with uow:
        await handlers.delete_subscription(uow, subscription_id=subscription_id, owner=None)


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=Page[DeliveryRead])
async def list_deliveries(
    subscription_id: UUID,
    rt: RuntimeDep,
    principal: OrganiserPrincipal,
    page: PageDep,
    status: str | None = None,
) -> Page[DeliveryRead]:
    """The delivery log of a subscription, newest first, optionally by status."""
    await get_subscription(subscription_id, rt, principal)
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_deliveries(
            conn, subscription_id, status=status, limit=page.limit, offset=page.offset
        )
    items = [DeliveryRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
