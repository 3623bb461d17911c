"""Schedule changes queued in one transaction (a consumer's batch) are combined in that order."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from plenary_notification.adapters.repository import Repository
from plenary_notification.adapters.tables import emails, messaging
from plenary_notification.domain.emails import Recipient, session_emails
from plenary_notification.service_layer import emails as email_service
from plenary_shared.db import UnitOfWork, make_engine


async def test_changes_queued_in_one_transaction_are_listed_in_the_order_they_came(platform):
    engine = make_engine(platform.service_urls["notification"], schema="notification")
    meeting_id, recipient = str(uuid.uuid4()), f"order-{uuid.uuid4().hex[:8]}@example.org"
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    moves = [start + timedelta(minutes=15 * n) for n in range(20)]
    try:
        async with UnitOfWork(
            engine=engine, tables=messaging, source="/test", repositories=Repository
        ) as uow:
            for n, starts_at in enumerate(moves):
                data = {
                    "session_id": str(uuid.uuid4()),
                    "meeting_id": meeting_id,
                    "title": f"Session {n}",
                    "starts_at": starts_at.isoformat(),
                    "ends_at": (starts_at + timedelta(minutes=10)).isoformat(),
                    "room": "Hall A",
                }
                found = session_emails(
                    "scheduling.session.moved", data, attendees=[Recipient(recipient, "en")]
                )
                await email_service.queue(
                    uow, found, event_id=str(uuid.uuid4()), event_type="scheduling.session.moved"
                )
            await uow.commit()
        async with UnitOfWork(
            engine=engine, tables=messaging, source="/test", repositories=Repository
        ) as uow:
            combined = await email_service.send_change_batches(
                uow, quiet_before=None, meeting_id=meeting_id, on_queued=lambda: None
            )
            await uow.commit()
        assert combined == 1
        async with engine.connect() as conn:
            context = await conn.scalar(
                select(emails.c.context).where(
                    emails.c.recipient == recipient, emails.c.kind == "schedule_changes"
                )
            )
    finally:
        await engine.dispose()
    # twenty rows of one transaction: ordered by anything but their queueing (the random ids,
    # as when they shared the transaction's timestamp) would not give this order
    assert [item["title"] for item in context["items"]] == [f"Session {n}" for n in range(20)]
