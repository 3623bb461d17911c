"""Batched change notices: a burst of schedule edits gives each attendee one message, in their
language; a cancellation goes at once; webhooks still get every event."""

import time
import uuid
from datetime import timedelta

from scheduling_world import Timetable

from plenary_devstack.testing import person, platform_record, wait_for
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import EventPayload
from plenary_shared.events.registration import AccreditationGranted
from plenary_shared.events.scheduling import AttendanceAssigned, SessionMoved

QUIET = 3  # NOTIFICATION_CHANGE_QUIET_SECONDS of the test platform


def _schedule_mail(mailbox, address: str, count: int = 1, timeout: float = 60) -> list:
    """The messages about the schedule someone has received (not their invitation or badge)."""

    def about_sessions():
        found = [
            m
            for m in mailbox.to(address)
            if m.message["subject"]
            and any(w in m.subject for w in ("schedule", "расписании", "Cancelled"))
        ]
        return found if len(found) >= count else None

    return wait_for(
        about_sessions, timeout=timeout, what=f"{count} schedule e-mail(s) to {address}"
    )


def _log(api, recipient: str, **params) -> list:
    return api.plenary().notification.list_emails(recipient=recipient, **params).items


def _world(api, *, sessions: int):
    """A meeting with `sessions` half-hour sessions on its first day, hourly from 07:00, and two
    attendees: Anna (English) in all of them, Boris (Russian) in every other one."""
    tt = Timetable(api)
    hall = tt.room("Hall of Columns", capacity=100)
    delegation = tt.delegation()
    tag = uuid.uuid4().hex[:6]
    anna = f"anna-{tag}@example.org"
    boris = f"boris-{tag}@example.org"
    anna_id = tt.accredited(delegation["id"], email=anna, language="en")
    boris_id = tt.accredited(delegation["id"], email=boris, language="ru")
    made = []
    for i in range(sessions):
        hour = f"{7 + i:02d}"
        session = tt.scheduled(
            hall,
            f"2025-11-17T{hour}:00:00",
            f"2025-11-17T{hour}:30:00",
            title=f"Session {i + 1:02d}",
            titles={"ru": f"Заседание {i + 1:02d}"},
        )
        people = (anna_id, boris_id) if i % 2 == 0 else (anna_id,)
        assert tt.assign(session["id"], *people).status_code in (200, 201)
        made.append(session)
    return tt, made, anna, boris


def _move_to_the_second_day(api, session) -> None:
    hour = session["starts_at"][11:13]
    api.plenary().scheduling.update_session(
        session["id"],
        {"starts_at": f"2025-11-18T{hour}:00:00", "ends_at": f"2025-11-18T{hour}:30:00"},
    )


def test_twelve_moves_give_each_attendee_one_message_with_all_their_changes(
    api, client, mailbox, webhook
):
    _, sessions, anna, boris = _world(api, sessions=12)
    for session in sessions:
        _move_to_the_second_day(api, session)
    # the first is moved again within the burst: told once, from where it was to where it is
    client.scheduling.update_session(
        sessions[0]["id"], {"starts_at": "2025-11-18T06:00:00", "ends_at": "2025-11-18T06:30:00"}
    )

    [anna_message] = _schedule_mail(mailbox, anna)
    [boris_message] = _schedule_mail(mailbox, boris)
    assert anna_message.subject == "12 changes to your schedule"
    anna_text = anna_message.body("plain")
    assert all(anna_text.count(f'"Session {i:02d}"') == 1 for i in range(1, 13))
    assert anna_text.count("November 18, 2025") == 12
    [first] = [line for line in anna_text.splitlines() if '"Session 01"' in line]
    assert "November 17, 2025 07:00" in first and "November 18, 2025 06:00" in first, first
    assert boris_message.subject == "6 изменений в вашем расписании"
    boris_text = boris_message.body("plain")
    assert all(f"«Заседание {i:02d}»" in boris_text for i in range(1, 13, 2))
    assert not any(f"Заседание {i:02d}" in boris_text for i in range(2, 13, 2))

    # nothing more follows, and webhook subscribers got every move on its own
    time.sleep(QUIET + 1)
    assert len(_schedule_mail(mailbox, anna)) == 1 and len(_schedule_mail(mailbox, boris)) == 1
    moves = {e["subject"] for e in webhook.events(event_type="scheduling.session.moved")} & {
        s["id"] for s in sessions
    }
    assert len(moves) == 12


def test_a_cancellation_goes_at_once_while_a_move_waits_for_the_burst_to_end(api, client, mailbox):
    _, sessions, anna, _ = _world(api, sessions=2)
    _move_to_the_second_day(api, sessions[0])
    client.scheduling.cancel_session(sessions[1]["id"], {"reason": "The heads meet instead"})
    first, second = _schedule_mail(mailbox, anna, count=2)
    assert first.subject == "Cancelled: Session 02"
    assert second.subject == "1 change to your schedule" and "Session 01" in second.body("plain")
    # the cancellation was sent before the move's message was even put together
    [cancellation] = [e for e in _log(api, anna, kind="session_changed") if e.status == "sent"]
    [combined] = _log(api, anna, kind="schedule_changes")
    assert cancellation.sent_at is not None and cancellation.sent_at < combined.created_at


def test_publishing_a_version_sends_the_waiting_changes_without_waiting(api, client, mailbox):
    tt, sessions, anna, _ = _world(api, sessions=2)
    for session in sessions:
        _move_to_the_second_day(api, session)
    wait_for(lambda: len(_log(api, anna, status="batched")) == 2, what="the changes to wait")
    client.scheduling.publish_version(tt.id, {"note": "final"})
    [message] = _schedule_mail(mailbox, anna)
    assert message.subject == "2 changes to your schedule"
    [combined] = _log(api, anna, kind="schedule_changes")
    changes = _log(api, anna, kind="session_changed")
    last_change = max(c.created_at for c in changes)
    # combined by the publication, before the quiet period would have run out
    assert combined.created_at < last_change + timedelta(seconds=QUIET)


async def test_a_move_delivered_twice_is_listed_once_and_a_crash_while_waiting_loses_nothing(
    api, mailbox, kafka, producer, platform
):
    _, sessions, anna, _ = _world(api, sessions=2)
    for session in sessions:
        _move_to_the_second_day(api, session)
    wait_for(lambda: len(_log(api, anna, status="batched")) == 2, what="the changes to wait")
    # notification dies while the changes wait, and comes back
    platform.stop_service("notification", kill=True)
    [(record, _)] = await kafka.events(
        "scheduling.events", event_type="scheduling.session.moved", subject=sessions[0]["id"]
    )
    again = await producer.send_and_wait(
        record.topic, record.value, key=record.key, headers=list(record.headers)
    )
    platform.start_service("notification")
    platform.wait_ready(("notification",))
    await kafka.wait_consumed("notification", record.topic, again.partition, again.offset)
    [message] = _schedule_mail(mailbox, anna)
    assert message.subject == "2 changes to your schedule"
    assert message.body("plain").count('"Session 01"') == 1
    time.sleep(QUIET + 1)
    assert len(_schedule_mail(mailbox, anna)) == 1


async def _publish(producer, payload: EventPayload, *, subject: str, source: str):
    key, value, headers = platform_record(
        {
            "id": str(uuid.uuid4()),
            "source": source,
            "type": payload.event_type,
            "subject": subject,
            "data": payload.model_dump(mode="json"),
        }
    )
    sent = await producer.send_and_wait(payload.topic, value, key=key, headers=headers)
    return CloudEvent.from_kafka(value), sent


async def test_a_change_waits_for_an_attendee_whose_accreditation_has_not_arrived(
    api, client, mailbox, kafka, producer
):
    """The accreditation and the session travel on different topics, so notification can hear of
    a move before it knows how to write to an attendee: the move waits for them, never skips them."""
    meeting, someone = api.create_meeting(), person()
    session_id, application_id, delegation_id = (str(uuid.uuid4()) for _ in range(3))
    session = {
        "session_id": session_id,
        "meeting_id": meeting["id"],
        "title": "Working lunch",
        "starts_at": "2025-11-18T10:00:00Z",
        "ends_at": "2025-11-18T11:00:00Z",
        "timezone": "Europe/Moscow",
        "room": "Annex",
    }
    await _publish(
        producer,
        AttendanceAssigned(application_id=application_id, delegation_id=delegation_id, **session),
        subject=session_id,
        source="/plenary/scheduling",
    )
    moved, sent = await _publish(
        producer,
        SessionMoved(
            format="plenary",
            previous_starts_at="2025-11-17T10:00:00Z",
            previous_ends_at="2025-11-17T11:00:00Z",
            **session,
        ),
        subject=session_id,
        source="/plenary/scheduling",
    )
    await kafka.wait_consumed("notification", sent.topic, sent.partition, sent.offset)
    parked = client.notification.list_parked().items
    assert [str(p.event_id) for p in parked if p.key == session_id] == [moved.id]

    await _publish(
        producer,
        AccreditationGranted(
            application_id=application_id,
            meeting_id=meeting["id"],
            delegation_id=delegation_id,
            category="delegate",
            given_name=someone["given_name"],
            family_name=someone["family_name"],
            email=someone["email"],
        ),
        subject=application_id,
        source="/plenary/registration",
    )
    [message] = _schedule_mail(mailbox, someone["email"])
    assert message.subject == "1 change to your schedule"
    assert "Working lunch" in message.body("plain")
    assert session_id not in {p.key for p in client.notification.list_parked().items}
