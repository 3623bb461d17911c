"""E-mail use cases: queueing the e-mails an event causes, people's preferences, daily digests,
schedule changes combined per person."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from plenary_notification.domain.emails import (
    MEETING_EVENTS,
    SESSION_CHANGES,
    Email,
    Recipient,
    badge_email,
    emails_for,
    seat_email,
    seat_notices,
    seat_outcome,
    session_emails,
)
from plenary_shared.consumer import NotYetKnown
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.registration import BadgeIssued
from plenary_shared.events.scheduling import SchedulePublished

if TYPE_CHECKING:
    from plenary_notification.adapters.repository import Repository


async def on_event(
    uow: UnitOfWork[Repository],
    event: CloudEvent,
    *,
    portal_url: str,
    on_queued: Callable[[], None],
    on_batched: Callable[[], None] = lambda: None,
) -> None:
    """Queue the e-mails an event causes, once per event, kind and recipient; `on_batched` is
    called after the commit when schedule changes wait to be combined."""
    meeting_title, recipients = None, []
    if event.type in MEETING_EVENTS:
        meeting_title, found_points = await _meeting_and_focal_points(
            uow, event.data["meeting_id"], event.data["delegation_id"]
        )
        if meeting_title is None:
            raise NotYetKnown(f"meeting {event.data['meeting_id']} is not known yet")
        recipients = _recipients(found_points)
    found = emails_for(
        event.type,
        event.data,
        meeting_title=meeting_title,
        focal_points=recipients,
        portal_url=portal_url,
    )
    if event.type == BadgeIssued.event_type:
        found += await _badge_email(uow, event, portal_url=portal_url)
    if outcome := seat_outcome(event.type, event.data):
        found += await _seat_emails(uow, outcome, event.data, portal_url=portal_url)
    if event.type in SESSION_CHANGES:
        attendees = await uow.repo.attendees_of(event.data["session_id"])
        if unknown := sum(a.email is None for a in attendees):
            # the accreditation travels on another topic and may come later: wait for it rather
            # than leave someone out of the message
            raise NotYetKnown(f"{unknown} attendee(s) of the session are not known yet")
        found += session_emails(
            event.type,
            event.data,
            attendees=[Recipient(a.email, a.language) for a in attendees],
        )
    if found:
        await queue(uow, found, event_id=event.id, event_type=event.type)
        uow.after_commit(on_queued)
        if any(e.batched for e in found):
            uow.after_commit(on_batched)
    if event.type == SchedulePublished.event_type:
        # a published version ends the burst: its changes go out now, each person's in one message
        await send_change_batches(
            uow, quiet_before=None, meeting_id=event.data["meeting_id"], on_queued=on_queued
        )


async def _meeting_and_focal_points(
    uow: UnitOfWork[Repository], meeting_id: str, delegation_id: str
):
    """Read once per transaction and pair (a batch of one delegation's decisions asks once);
    forgotten when the transaction changes meetings or focal points (`forget_meetings`)."""
    known = uow.memo.setdefault("meeting_points", {})
    key = (str(meeting_id), str(delegation_id))
    if key not in known:
        known[key] = await uow.repo.meeting_and_focal_points(meeting_id, delegation_id)
    return known[key]


def forget_meetings(uow: UnitOfWork[Repository]) -> None:
    """Meetings or focal points changed in this transaction: read them again."""
    uow.memo.pop("meeting_points", None)
    uow.memo.pop("meetings", None)


async def know_people(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """The participants a run of events is about, read at once for the run (`forget_people`
    after it: a later projection may change them)."""
    ids = [str(event.data["application_id"]) for event in events]
    uow.memo["people"] = await uow.repo.get_participants(ids)


def forget_people(uow: UnitOfWork[Repository]) -> None:
    """The run is over: participants are read as they are again."""
    uow.memo.pop("people", None)


async def _participant(uow: UnitOfWork[Repository], application_id):
    known = uow.memo.get("people")
    if known is not None and str(application_id) in known:
        return known[str(application_id)]
    return await uow.repo.get_participant(application_id)


async def _meeting(uow: UnitOfWork[Repository], meeting_id):
    """Read once per transaction (forgotten with `forget_meetings`)."""
    known = uow.memo.setdefault("meetings", {})
    if str(meeting_id) not in known:
        known[str(meeting_id)] = await uow.repo.get_meeting(meeting_id)
    return known[str(meeting_id)]


async def _focal_points(uow: UnitOfWork[Repository], delegation_id: str) -> list[Recipient]:
    """A delegation's focal points, each with their choice of e-mail per decision or a digest."""
    return _recipients(await uow.repo.focal_points_of(delegation_id))


def _recipients(focal_points) -> list[Recipient]:
    return [
        Recipient(r.email, r.language, digest=r.decisions == "daily_digest") for r in focal_points
    ]


async def _seat_emails(
    uow: UnitOfWork[Repository], outcome: str, data: dict, *, portal_url: str
) -> list[Email]:
    """The participant waiting for, or given, a session seat, and its focal points, told."""
    person = await _participant(uow, data["application_id"])
    meeting = await _meeting(uow, data["meeting_id"])
    if person is None or meeting is None:
        raise NotYetKnown(f"the participant or meeting of seat {data['session_id']} is unknown")
    focal_points = await _focal_points(uow, data["delegation_id"])
    return seat_email(
        outcome, data, person=Recipient(person.email, person.language)
    ) + seat_notices(
        outcome,
        data,
        name=f"{person.given_name} {person.family_name}",
        meeting_title=meeting.title,
        focal_points=focal_points,
        portal_url=portal_url,
    )


async def _badge_email(
    uow: UnitOfWork[Repository], event: CloudEvent, *, portal_url: str
) -> list[Email]:
    person = await _participant(uow, event.data["application_id"])
    meeting = await _meeting(uow, event.data["meeting_id"])
    if person is None or meeting is None:
        raise NotYetKnown(f"the participant of badge {event.data['badge_number']} is not known yet")
    return badge_email(
        event.data,
        person=Recipient(person.email, person.language),
        name=f"{person.given_name} {person.family_name}",
        meeting_title=meeting.title,
        portal_url=portal_url,
    )


async def queue(
    uow: UnitOfWork[Repository], found: list[Email], *, event_id: str, event_type: str
) -> None:
    """Store e-mails to send, with the rest of the transaction's, just before it commits; the
    same e-mail of the same event is stored only once."""
    rows = uow.memo.get("emails")
    if rows is None:
        rows = uow.memo["emails"] = []
        uow.before_commit("emails", lambda: store_queued(uow))
    # with tracing on, each e-mail is sent in the trace of what queued it
    trace = uow.trace_carrier()
    rows.extend(
        {
            "id": uuid.uuid4(),
            "dedupe_key": f"{event_id}:{e.kind}:{e.recipient.lower()}",
            "event_id": event_id,
            "event_type": event_type,
            "kind": e.kind,
            "recipient": e.recipient.lower(),
            "language": e.language,
            "context": {**e.context, **trace} if trace else e.context,
            "delegation_id": e.delegation_id,
            "status": "held" if e.held_for_digest else "batched" if e.batched else "pending",
        }
        for e in found
    )


async def store_queued(uow: UnitOfWork[Repository]) -> None:
    """The e-mails queued so far in this transaction, stored (before anything reads them).

    The list only grows and a count says how much of it is stored: a savepoint that rolls
    back takes both back together.
    """
    rows = uow.memo.get("emails", [])
    stored = uow.memo.get("emails_stored", 0)
    if len(rows) > stored:
        # executemany: SQLAlchemy sends the rows in pages, whatever their number
        await uow.repo.queue_emails(rows[stored:])
        uow.memo["emails_stored"] = len(rows)


async def set_preference(uow: UnitOfWork[Repository], *, email: str, decisions: str) -> None:
    """Choose immediate e-mails or a daily digest for nomination decisions."""
    await uow.repo.set_preference(email=email.lower(), decisions=decisions)
    uow.remember_result(email.lower())
    await uow.commit()


async def send_digests(
    uow: UnitOfWork[Repository], *, before: datetime, on_queued: Callable[[], None]
) -> int:
    """Gather each recipient's held e-mails queued before a moment into one digest; returns how many."""
    count = 0
    for recipient in await uow.repo.held_recipients(before=before):
        held = await uow.repo.take_held(recipient, before=before)
        if not held:
            continue
        digest_id = uuid.uuid4()
        items = [{"kind": h.kind, **h.context} for h in held]
        await uow.repo.add_digest(
            digest_id, recipient=recipient, language=held[-1].language, items=items
        )
        await uow.repo.mark_digested([h.id for h in held])
        count += 1
    uow.after_commit(on_queued)
    await uow.commit()
    return count


async def send_change_batches(
    uow: UnitOfWork[Repository],
    *,
    quiet_before: datetime | None,
    meeting_id: str | None = None,
    on_queued: Callable[[], None],
) -> int:
    """One message per person for the schedule changes waiting for them; returns how many.

    Only people whose latest change is older than `quiet_before` (the burst is over), or, with
    `meeting_id`, everyone with changes in that meeting (its schedule was just published).
    """
    await store_queued(uow)
    ids = await uow.repo.due_changes(
        meeting_id=None if meeting_id is None else str(meeting_id), quiet_before=quiet_before
    )
    if not ids:
        return 0
    combined = await uow.repo.combine_changes(ids)
    if combined:
        uow.after_commit(on_queued)
    return combined
