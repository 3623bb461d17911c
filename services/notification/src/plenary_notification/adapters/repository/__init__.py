"""The one door to notification's tables: `uow.repo`, one class of rows per aggregate."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.repository.deliveries import DeliveryRows
from plenary_notification.adapters.repository.emails import EmailRows
from plenary_notification.adapters.repository.projections import ProjectionRows
from plenary_notification.adapters.repository.stream import StreamRows
from plenary_notification.adapters.repository.subscriptions import SubscriptionRows


class Repository(SubscriptionRows, DeliveryRows, EmailRows, ProjectionRows, StreamRows):
    """Every write, lock and read a use case or worker makes, on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn


__all__ = ["Repository"]
