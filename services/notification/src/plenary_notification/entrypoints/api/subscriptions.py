"""HTTP routes of subscriptions: each caller sees and changes only its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_notification.adapters import queries
from plenary_notification.config import Settings
from plenary_notification.domain.commands import (
    ChannelName,
    PauseRequest,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.entrypoints.api.schemas import (
    ATTEMPTS,
    AttemptRead,
    DeliveryRead,
    PingQueued,
    SecretRotation,
    SubscriptionCreated,
    SubscriptionRead,
)
from plenary_notification.service_layer import subscriptions
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Line, Moment
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["subscriptions"])

MayCreate = Annotated[Grant, POLICY.allows("subscriptions.create")]
MayRead = Annotated[Grant, POLICY.allows("subscriptions.read")]
MayUpdate = Annotated[Grant, POLICY.allows("subscriptions.update")]
MayDelete = Annotated[Grant, POLICY.allows("subscriptions.delete")]


@router.post(
    "/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated
)
async def create_subscription(
    body: SubscriptionCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: MayCreate,
    response: Response,
) -> SubscriptionCreated:
    """Subscribe by webhook, e-mail or live stream; a webhook's signing secret is shown once here."""
    if earlier := await uow.earlier_result():
        subscription_id = UUID(earlier)
    else:
        scope = subscriptions.scope_of(grant, delegation_id=body.delegation_id)
        settings: Settings = rt.settings
        await subscriptions.check_destination(body.url, settings.egress_policy)
        async with uow:
            subscription_id = await subscriptions.create_subscription(
                uow, command=body, principal=grant.principal, scope=scope
            )
    response.headers["Location"] = f"/v1/subscriptions/{subscription_id}"
    row = await _own(rt, subscription_id, grant)
    return SubscriptionCreated.model_validate(row, from_attributes=True)


@router.get("/subscriptions", response_model=Page[SubscriptionRead])
async def list_subscriptions(
    rt: RuntimeDep,
    grant: MayRead,
    page: PageDep,
    channel: ChannelName | None = None,
    status: Literal["active", "paused", "disabled"] | None = None,
) -> Page[SubscriptionRead]:
    """The caller's subscriptions, newest first."""
    within = subscriptions.scope_of(grant)
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_subscriptions(
            conn,
            owner=grant.principal.subject,
            owner_role=grant.principal.role.value,
            within=within,
            channel=channel,
            status=status,
            limit=page.limit,
            offset=page.offset,
        )
    items = [SubscriptionRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
async def get_subscription(
    subscription_id: UUID, rt: RuntimeDep, grant: MayRead
) -> SubscriptionRead:
    """One of the caller's subscriptions."""
    row = await _own(rt, subscription_id, grant)
    return SubscriptionRead.model_validate(row, from_attributes=True)


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
async def update_subscription(
    subscription_id: UUID,
    body: SubscriptionUpdate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: MayUpdate,
) -> SubscriptionRead:
    """Change the event types, filters or destination of a subscription."""
    if body.url is not None:
        settings: Settings = rt.settings
        await subscriptions.check_destination(body.url, settings.egress_policy)
    if not await uow.earlier_result():
        async with uow:
            await subscriptions.update_subscription(
                uow, subscription_id=subscription_id, command=body, grant=grant
            )
    return await get_subscription(subscription_id, rt, grant)


@router.post("/subscriptions/{subscription_id}/pause", response_model=SubscriptionRead)
async def pause_subscription(
    subscription_id: UUID,
    body: PauseRequest,
    rt: RuntimeDep,
    grant: MayUpdate,
) -> SubscriptionRead:
    """Stop delivering for now; events that arrive meanwhile are delivered on resume."""
    async with rt.unit_of_work() as uow:
        await subscriptions.pause(
            uow, subscription_id=subscription_id, grant=grant, reason=body.reason
        )
    return await get_subscription(subscription_id, rt, grant)


@router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionRead)
async def resume_subscription(
    subscription_id: UUID, rt: RuntimeDep, grant: MayUpdate
) -> SubscriptionRead:
    """Deliver again (also after an automatic disable), starting with what waited."""
    async with rt.unit_of_work() as uow:
        await subscriptions.resume(uow, subscription_id=subscription_id, grant=grant)
    rt.state.delivery_wake.set()
    return await get_subscription(subscription_id, rt, grant)


@router.post(
    "/subscriptions/{subscription_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PingQueued,
)
async def ping_subscription(
    subscription_id: UUID, rt: RuntimeDep, uow: UnitOfWorkDep, grant: MayUpdate
) -> PingQueued:
    """Send a test event (`notification.ping`) to this subscription alone."""
    if earlier := await uow.earlier_result():
        return PingQueued(delivery_id=UUID(earlier))
    wake = rt.state.delivery_wake.set
    async with uow:
        delivery_id = await subscriptions.ping(
            uow, subscription_id=subscription_id, grant=grant, on_queued=wake
        )
    rt.state.mail_wake.set()
    return PingQueued(delivery_id=delivery_id)


@router.post("/subscriptions/{subscription_id}/secret", response_model=SecretRotation)
async def rotate_secret(
    subscription_id: UUID, rt: RuntimeDep, uow: UnitOfWorkDep, grant: MayUpdate
) -> SecretRotation:
    """A new signing secret; both are sent until the old one's grace period ends."""
    settings: Settings = rt.settings
    if not await uow.earlier_result():
        async with uow:
            await subscriptions.rotate_secret(
                uow,
                subscription_id=subscription_id,
                grant=grant,
                grace=timedelta(hours=settings.webhook_secret_grace_hours),
            )
    row = await _own(rt, subscription_id, grant)
    return SecretRotation(secret=row.secret, previous_valid_until=row.previous_secret_expires_at)


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(subscription_id: UUID, uow: UnitOfWorkDep, grant: MayDelete) -> None:
    """Remove a subscription; its pending deliveries are cancelled."""
    async with uow:
        await subscriptions.delete_subscription(uow, subscription_id=subscription_id, grant=grant)


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=Page[DeliveryRead])
async def list_deliveries(
    subscription_id: UUID,
    rt: RuntimeDep,
    grant: MayRead,
    page: PageDep,
    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
    event_type: Line | None = Query(None, max_length=200, description="e.g. registration.*"),
    since: Moment | None = Query(None, description="created at or after this time"),
) -> Page[DeliveryRead]:
    """The delivery log of a subscription, newest first: by status, event type or time."""
    await _own(rt, subscription_id, grant)
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_deliveries(
            conn,
            subscription_id,
            status=status,
            event_type=event_type,
            since=since,
            limit=page.limit,
            offset=page.offset,
        )
    items = [DeliveryRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/subscriptions/{subscription_id}/deliveries/{delivery_id}/attempts",
    response_model=list[AttemptRead],
    responses={200: {"content": {"application/json": {"example": ATTEMPTS}}}},
)
async def list_attempts(
    subscription_id: UUID, delivery_id: UUID, rt: RuntimeDep, grant: MayRead
) -> list[AttemptRead]:
    """Every attempt of a delivery: time, status code, latency, error."""
    await _own(rt, subscription_id, grant)
    async with rt.engine.connect() as conn:
        delivery = await queries.get_delivery(conn, delivery_id)
        if delivery is None or delivery.subscription_id != subscription_id:
            raise NotFound(f"delivery {delivery_id} does not exist")
        rows = await queries.list_attempts(conn, delivery_id)
    return [AttemptRead.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/subscriptions/{subscription_id}/deliveries/{delivery_id}/redelivery",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
)
async def redeliver(
    subscription_id: UUID,
    delivery_id: UUID,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: MayUpdate,
) -> DeliveryRead:
    """Try a failed delivery again, with a fresh set of attempts."""
    if not await uow.earlier_result():
        async with uow:
            await subscriptions.redeliver(
                uow,
                subscription_id=subscription_id,
                delivery_id=delivery_id,
                grant=grant,
                on_queued=rt.state.delivery_wake.set,
            )
    async with rt.engine.connect() as conn:
        row = await queries.get_delivery(conn, delivery_id)
    return DeliveryRead.model_validate(row, from_attributes=True)


async def _own(rt, subscription_id: UUID, grant: Grant):
    async with rt.engine.connect() as conn:
        row = await queries.get_subscription(conn, subscription_id)
    return subscriptions.check_owned(row, subscription_id, grant)
