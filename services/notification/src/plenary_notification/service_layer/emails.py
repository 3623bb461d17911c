"""E-mail use cases: queueing the e-mails an event causes, people's preferences, daily digests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from plenary_notification.adapters import repository
from plenary_notification.adapters.tables import (
    attendance,
    email_preferences,
    emails,
    focal_points,
    meetings,
    participants,
)
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
from plenary_shared.events.delegation import FocalPointAssigned, FocalPointRevoked
from plenary_shared.events.registration import AccreditationGranted, BadgeIssued
from plenary_shared.events.scheduling import (
    AttendanceAssigned,
    AttendanceRemoved,
    MeetingCreated,
    SchedulePublished,
)


async def on_event(
    uow: UnitOfWork,
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
        attendees = await repository.attendees_of(uow.conn, event.data["session_id"])
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


async def _meeting_and_focal_points(uow: UnitOfWork, meeting_id: str, delegation_id: str):
    """Read once per transaction and pair (a batch of one delegation's decisions asks once);
    forgotten when the transaction changes meetings or focal points (`forget_meetings`)."""
    known = uow.memo.setdefault("meeting_points", {})
    key = (str(meeting_id), str(delegation_id))
    if key not in known:
        known[key] = await repository.meeting_and_focal_points(uow.conn, meeting_id, delegation_id)
    return known[key]


def forget_meetings(uow: UnitOfWork) -> None:
    """Meetings or focal points changed in this transaction: read them again."""
    uow.memo.pop("meeting_points", None)
    uow.memo.pop("meetings", None)


async def know_people(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """The participants a run of events is about, read at once for the run (`forget_people`
    after it: a later projection may change them)."""
    ids = [str(event.data["application_id"]) for event in events]
    uow.memo["people"] = await repository.get_participants(uow.conn, ids)


def forget_people(uow: UnitOfWork) -> None:
    """The run is over: participants are read as they are again."""
    uow.memo.pop("people", None)


async def _participant(uow: UnitOfWork, application_id):
    known = uow.memo.get("people")
    if known is not None and str(application_id) in known:
        return known[str(application_id)]
    return await repository.get_participant(uow.conn, application_id)


async def _meeting(uow: UnitOfWork, meeting_id):
    """Read once per transaction (forgotten with `forget_meetings`)."""
    known = uow.memo.setdefault("meetings", {})
    if str(meeting_id) not in known:
        known[str(meeting_id)] = await repository.get_meeting(uow.conn, meeting_id)
    return known[str(meeting_id)]


async def _focal_points(uow: UnitOfWork, delegation_id: str) -> list[Recipient]:
    """A delegation's focal points, each with their choice of e-mail per decision or a digest."""
    return _recipients(await repository.focal_points_of(uow.conn, delegation_id))


def _recipients(focal_points) -> list[Recipient]:
    return [
        Recipient(r.email, r.language, digest=r.decisions == "daily_digest") for r in focal_points
    ]


async def _seat_emails(
    uow: UnitOfWork, outcome: str, data: dict, *, portal_url: str
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


async def _badge_email(uow: UnitOfWork, event: CloudEvent, *, portal_url: str) -> list[Email]:
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


# stamped row by row, so the changes of one transaction (a batch of events) keep their order
# when they are combined, where now() would give them all the transaction's start
_QUEUE = insert(emails).values(created_at=func.clock_timestamp()).on_conflict_do_nothing()


async def queue(uow: UnitOfWork, found: list[Email], *, event_id: str, event_type: str) -> None:
    """Store e-mails to send, with the rest of the transaction's, just before it commits; the
    same e-mail of the same event is stored only once."""
    rows = uow.memo.get("emails")
    if rows is None:
        rows = uow.memo["emails"] = []
        uow.before_commit("emails", lambda: store_queued(uow))
    rows.extend(
        {
            "id": uuid.uuid4(),
            "dedupe_key": f"{event_id}:{e.kind}:{e.recipient.lower()}",
            "event_id": event_id,
            "event_type": event_type,
            "kind": e.kind,
            "recipient": e.recipient.lower(),
            "language": e.language,
            "context": e.context,
            "delegation_id": e.delegation_id,
            "status": "held" if e.held_for_digest else "batched" if e.batched else "pending",
        }
        for e in found
    )


async def store_queued(uow: UnitOfWork) -> None:
    """The e-mails queued so far in this transaction, stored (before anything reads them).

    The list only grows and a count says how much of it is stored: a savepoint that rolls
    back takes both back together.
    """
    rows = uow.memo.get("emails", [])
    stored = uow.memo.get("emails_stored", 0)
    if len(rows) > stored:
        # executemany: SQLAlchemy sends the rows in pages, whatever their number
        await uow.conn.execute(_QUEUE, rows[stored:])
        uow.memo["emails_stored"] = len(rows)


async def on_meeting_created(uow: UnitOfWork, event: CloudEvent) -> None:
    """Remember a meeting's title and time zone, for the e-mails about it."""
    created = MeetingCreated.model_validate(event.data)
    await uow.conn.execute(
        insert(meetings)
        .values(
            id=created.meeting_id,
            title=created.title,
            city=created.city,
            timezone=created.timezone,
        )
        .on_conflict_do_nothing()
    )


async def on_accreditation_granted(uow: UnitOfWork, event: CloudEvent) -> None:
    """An accredited participant may be put in sessions: remember how to write to them."""
    await on_accreditations_granted(uow, [event])


async def on_accreditations_granted(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Accredited participants (distinct) remembered in one statement."""
    rows = []
    for event in events:
        granted = AccreditationGranted.model_validate(event.data)
        rows.append(
            {
                "application_id": granted.application_id,
                "meeting_id": granted.meeting_id,
                "delegation_id": granted.delegation_id,
                "email": granted.email.lower(),
                "language": granted.language,
                "given_name": granted.given_name,
                "family_name": granted.family_name,
            }
        )
    await uow.conn.execute(_REMEMBER_PARTICIPANT, rows)


def _remember_participant_statement():
    """Built once: an upsert that takes every new value."""
    upsert = insert(participants)
    changed = {
        c.name: upsert.excluded[c.name] for c in participants.c if c.name != "application_id"
    }
    return upsert.on_conflict_do_update(
        index_elements=[participants.c.application_id], set_=changed
    )


_REMEMBER_PARTICIPANT = _remember_participant_statement()


async def on_attendance_assigned(uow: UnitOfWork, event: CloudEvent) -> None:
    """Someone was put in a session: they hear of its changes."""
    assigned = AttendanceAssigned.model_validate(event.data)
    await uow.conn.execute(
        insert(attendance)
        .values(
            session_id=assigned.session_id,
            application_id=assigned.application_id,
            delegation_id=assigned.delegation_id,
        )
        .on_conflict_do_nothing()
    )


async def on_attendance_removed(uow: UnitOfWork, event: CloudEvent) -> None:
    """Someone left a session: they hear no more of it."""
    removed = AttendanceRemoved.model_validate(event.data)
    await uow.conn.execute(
        delete(attendance).where(
            attendance.c.session_id == removed.session_id,
            attendance.c.application_id == removed.application_id,
        )
    )


async def on_focal_point_assigned(uow: UnitOfWork, event: CloudEvent) -> None:
    """A focal point hears of its delegation's decisions from now on."""
    assigned = FocalPointAssigned.model_validate(event.data)
    values = {
        "delegation_id": assigned.delegation_id,
        "meeting_id": assigned.meeting_id,
        "email": assigned.email.lower(),
        "name": assigned.name,
        "language": assigned.language,
        "revoked_at": None,
    }
    await uow.conn.execute(
        insert(focal_points)
        .values(id=assigned.focal_point_id, **values)
        .on_conflict_do_update(index_elements=[focal_points.c.id], set_=values)
    )


async def on_focal_point_revoked(uow: UnitOfWork, event: CloudEvent) -> None:
    """A revoked focal point hears no more."""
    revoked = FocalPointRevoked.model_validate(event.data)
    await uow.conn.execute(
        update(focal_points)
        .where(focal_points.c.id == revoked.focal_point_id)
        .values(revoked_at=event.time)
    )


async def set_preference(uow: UnitOfWork, *, email: str, decisions: str) -> None:
    """Choose immediate e-mails or a daily digest for nomination decisions."""
    values = {"decisions": decisions, "updated_at": datetime.now(UTC)}
    await uow.conn.execute(
        insert(email_preferences)
        .values(email=email.lower(), **values)
        .on_conflict_do_update(index_elements=[email_preferences.c.email], set_=values)
    )
    uow.remember_result(email.lower())
    await uow.commit()


async def preference_of(conn, *, email: str) -> str:
    """Someone's choice for nomination decisions (immediate unless they chose the digest)."""
    chosen = await conn.scalar(
        select(email_preferences.c.decisions).where(email_preferences.c.email == email.lower())
    )
    return chosen or "immediate"


async def send_digests(uow: UnitOfWork, *, before: datetime, on_queued: Callable[[], None]) -> int:
    """Gather each recipient's held e-mails queued before a moment into one digest; returns how many."""
    count = 0
    for recipient in await repository.held_recipients(uow.conn, before=before):
        held = (
            await uow.conn.execute(
                select(emails)
                .where(
                    emails.c.recipient == recipient,
                    emails.c.status == "held",
                    emails.c.created_at < before,
                )
                .order_by(emails.c.created_at)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not held:
            continue
        digest_id = uuid.uuid4()
        items = [{"kind": h.kind, **h.context} for h in held]
        await uow.conn.execute(
            insert(emails).values(
                id=digest_id,
                dedupe_key=f"digest:{digest_id}",
                event_id=f"digest:{digest_id}",
                event_type="notification.digest",
                kind="digest",
                recipient=recipient,
                language=held[-1].language,
                context={"items": items},
            )
        )
        await uow.conn.execute(
            update(emails)
            .where(emails.c.id.in_([h.id for h in held]))
            .values(status="digested", last_error=None, sent_at=None)
        )
        count += 1
    uow.after_commit(on_queued)
    await uow.commit()
    return count


# Which waiting changes are due: people whose latest change is older than the quiet period.
DUE_CHANGES = text(
    """
    SELECT id FROM (
        SELECT id, max(created_at) OVER (PARTITION BY recipient) AS latest
        FROM emails
        WHERE status = 'batched'
          AND (CAST(:meeting_id AS text) IS NULL OR context ->> 'meeting_id' = :meeting_id)
    ) waiting
    WHERE CAST(:quiet_before AS timestamptz) IS NULL
       OR latest < CAST(:quiet_before AS timestamptz)
    """
)
# Those changes become one message per person. Taking them by id (not by a join on recipient,
# which the planner made quadratic: 11 s for 5,000 people, measured) keeps it at 0.2 s; a
# concurrent worker that chose the same ids finds them no longer `batched` and takes none.
COMBINE_CHANGES = text(
    """
    WITH combined AS (
        UPDATE emails SET status = 'combined', last_error = NULL, sent_at = NULL
        WHERE id = ANY(:ids) AND status = 'batched'
        RETURNING id, recipient, language, context, created_at
    )
    INSERT INTO emails (id, dedupe_key, event_id, event_type, kind, recipient, language, context)
    SELECT gen_random_uuid(),
           'changes:' || min(id::text),
           'changes:' || min(id::text),
           'notification.schedule_changes',
           'schedule_changes',
           recipient,
           (array_agg(language ORDER BY created_at DESC, id DESC))[1],
           jsonb_build_object('items', jsonb_agg(context ORDER BY created_at, id))
    FROM combined
    GROUP BY recipient
    """
)


async def send_change_batches(
    uow: UnitOfWork,
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
    due = {
        "meeting_id": None if meeting_id is None else str(meeting_id),
        "quiet_before": quiet_before,
    }
    ids = (await uow.conn.execute(DUE_CHANGES, due)).scalars().all()
    if not ids:
        return 0
    result = await uow.conn.execute(COMBINE_CHANGES, {"ids": list(ids)})
    if result.rowcount:
        uow.after_commit(on_queued)
    return result.rowcount
