"""E-mail use cases against the fake repository: projections, e-mails queued, digests, sending."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from plenary_notification.domain.delivery import RetryPolicy
from plenary_notification.service_layer import emails, mailing, projections, stream
from plenary_shared.consumer import NotYetKnown
from plenary_shared.envelope import CloudEvent

MEETING, DELEGATION = uuid.uuid4(), uuid.uuid4()


def event(event_type: str, **data) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/plenary/test",
        type=event_type,
        subject="s",
        time=datetime.now(UTC),
        data=data,
    )


def nominated() -> CloudEvent:
    return event(
        "registration.application.nominated",
        meeting_id=str(MEETING),
        delegation_id=str(DELEGATION),
        application_id=str(uuid.uuid4()),
        given_name="Ada",
        family_name="Lovelace",
        email="ada@example.org",
        category="delegate",
    )


async def on_event(uow, e, woken: list) -> None:
    await emails.on_event(
        uow, e, portal_url="https://portal.example.org", on_queued=lambda: woken.append("mail")
    )
    await uow.commit()


async def remember_meeting_and_focal_point(uow) -> None:
    await projections.on_meeting_created(
        uow,
        event(
            "scheduling.meeting.created",
            meeting_id=str(MEETING),
            title="Plenary 2027",
            city="Geneva",
            venue="Palais",
            timezone="Europe/Zurich",
            starts_on="2027-03-01",
            ends_on="2027-03-05",
        ),
    )
    await projections.on_focal_point_assigned(
        uow,
        event(
            "delegation.focal_point.assigned",
            focal_point_id=str(uuid.uuid4()),
            delegation_id=str(DELEGATION),
            meeting_id=str(MEETING),
            email="FP@Example.org",
            name="Focal Point",
            language="ru",
        ),
    )


async def test_a_decision_is_written_to_the_delegation_s_focal_points_in_their_language(
    repo, new_uow
):
    await remember_meeting_and_focal_point(new_uow())
    woken: list[str] = []
    e = nominated()
    await on_event(new_uow(), e, woken)
    [told] = repo.emails.values()
    assert (told.kind, told.recipient, told.language, told.status) == (
        "decision",
        "fp@example.org",
        "ru",
        "pending",
    )
    assert told.context["meeting"] == "Plenary 2027"
    assert told.dedupe_key == f"{e.id}:decision:fp@example.org"
    assert woken == ["mail"]


async def test_a_focal_point_who_chose_the_digest_has_decisions_held_then_gathered(repo, new_uow):
    await remember_meeting_and_focal_point(new_uow())
    uow = new_uow()
    await emails.set_preference(uow, email="FP@example.org", decisions="daily_digest")
    assert (repo.preferences, uow.result) == ({"fp@example.org": "daily_digest"}, "fp@example.org")
    for _ in range(2):
        await on_event(new_uow(), nominated(), [])
    assert [e.status for e in repo.emails.values()] == ["held", "held"]
    woken: list[str] = []
    count = await emails.send_digests(
        new_uow(),
        before=datetime.now(UTC) + timedelta(seconds=1),
        on_queued=lambda: woken.append("mail"),
    )
    assert count == 1
    digest = next(e for e in repo.emails.values() if e.kind == "digest")
    assert (digest.recipient, len(digest.context["items"])) == ("fp@example.org", 2)
    assert sorted(e.status for e in repo.emails.values() if e.kind != "digest") == [
        "digested",
        "digested",
    ]
    assert woken == ["mail"]


async def test_a_decision_about_a_meeting_not_known_yet_waits(repo, uow):
    with pytest.raises(NotYetKnown, match="is not known yet"):
        await emails.on_event(uow, nominated(), portal_url="p", on_queued=lambda: None)
    assert repo.emails == {}


async def test_a_run_of_accreditations_is_remembered_in_one_statement(repo, uow):
    granted = [
        event(
            "registration.accreditation.granted",
            application_id=str(uuid.uuid4()),
            meeting_id=str(MEETING),
            delegation_id=str(DELEGATION),
            email=f"P{n}@Example.org",
            language="en",
            given_name="P",
            family_name=str(n),
            category="delegate",
        )
        for n in range(3)
    ]
    await projections.on_accreditations_granted(uow, granted)
    assert repo.calls.count("remember_participants") == 1
    assert sorted(p.email for p in repo.participants.values()) == [
        "p0@example.org",
        "p1@example.org",
        "p2@example.org",
    ]


async def test_e_mails_of_a_transaction_are_stored_once_at_its_commit(repo, uow):
    from plenary_notification.domain.emails import Email

    for n in range(3):
        await emails.queue(
            uow, [Email("event", f"x{n}@example.org", "en", {})], event_id=f"e{n}", event_type="t"
        )
    assert repo.emails == {}
    await uow.commit()
    assert repo.calls.count("queue_emails") == 1
    assert len(repo.emails) == 3


async def test_the_sent_are_settled_and_each_failure_retried_or_given_up_by_the_policy(repo, uow):
    policy = RetryPolicy(max_attempts=3, backoff_seconds=5.0, backoff_max_seconds=1800.0)
    sent = repo.email(recipient="a@example.org", attempts=1)
    retried = repo.email(recipient="b@example.org", attempts=1)
    refused = repo.email(recipient="c@example.org", attempts=1)
    last = repo.email(recipient="d@example.org", attempts=3)
    before = datetime.now(UTC)
    outcomes = [
        (sent, None, False),
        (retried, "TimeoutError: slow", False),
        (refused, "550 no such user", True),
        (last, "TimeoutError: slow", False),
    ]
    await mailing.record(uow, outcomes=outcomes, policy=policy)
    assert [e.status for e in (sent, retried, refused, last)] == [
        "sent",
        "pending",
        "failed",
        "failed",
    ]
    # the first attempt's backoff: between half and all of 5 s
    assert before + timedelta(seconds=2.5) <= retried.next_attempt_at
    assert retried.next_attempt_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert repo.calls.count("mark_sent") == 1
    assert uow.commits == 1


async def test_consumed_events_are_kept_for_the_stream_at_the_commit_without_sealed_fields(
    repo, uow
):
    listeners = stream.Listeners()
    with listeners.listening() as woken:
        e = nominated()
        e.data["sealed_code"] = "x"
        await stream.on_event(uow, e, listeners=listeners)
        assert repo.stream == [] and not woken.is_set()
        await uow.commit()
        assert woken.is_set()
    [kept] = repo.stream
    assert (kept["event_id"], kept["delegation_id"]) == (e.id, DELEGATION)
    assert "sealed_code" not in kept["envelope"]["data"]
