"""Benchmark: a session with 5,000 attendees moves; how long until all 5,000 have the e-mail.

The accredited participants are written straight into the projections of scheduling and
notification (as their consumers would from registration's events); the attendance goes through
scheduling's API and the broker, and the change is timed from the API's answer to the webhook
and to the last e-mail the SMTP server (the platform's mail catcher) receives.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_devstack import bench_world
from plenary_devstack.invitations import accept_invitation
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.stack import Platform

LANGUAGES = ("en", "ru", "zh")


async def _seed(platform: Platform, *, meeting_id: str, delegation_id: str, people: list) -> None:
    """Accredited participants in scheduling's and notification's projections."""
    now = datetime.now(UTC)
    scheduling = create_async_engine(platform.service_urls["scheduling"])
    notification = create_async_engine(platform.service_urls["notification"])
    try:
        async with scheduling.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO scheduling.participants (application_id, meeting_id, "
                    "delegation_id, given_name, family_name, category, accredited_at, "
                    "calendar_token) VALUES (:a, :m, :d, 'Bench', :f, 'delegate', :t, :c)"
                ),
                [
                    {
                        "a": p,
                        "m": uuid.UUID(meeting_id),
                        "d": uuid.UUID(delegation_id),
                        "f": f"P{i:05d}",
                        "t": now,
                        "c": secrets.token_urlsafe(24),
                    }
                    for i, p in enumerate(people)
                ],
            )
        async with notification.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO notification.participants (application_id, meeting_id, "
                    "delegation_id, email, language, given_name, family_name) "
                    "VALUES (:a, :m, :d, :e, :l, 'Bench', :f)"
                ),
                [
                    {
                        "a": p,
                        "m": uuid.UUID(meeting_id),
                        "d": uuid.UUID(delegation_id),
                        "e": f"attendee{i:05d}@bench.example.org",
                        "l": LANGUAGES[i % 3],
                        "f": f"P{i:05d}",
                    }
                    for i, p in enumerate(people)
                ],
            )
    finally:
        await scheduling.dispose()
        await notification.dispose()


async def _projected(platform: Platform, session_id: str) -> int:
    """How many attendees of a session notification has learnt of."""
    engine = create_async_engine(platform.service_urls["notification"])
    try:
        async with engine.connect() as conn:
            return await conn.scalar(
                text("SELECT count(*) FROM notification.attendance WHERE session_id = :s"),
                {"s": uuid.UUID(session_id)},
            )
    finally:
        await engine.dispose()


def session_change_fanout(platform: Platform, *, attendees: int = 5000) -> dict[str, float]:
    """Seconds from a session's move to its webhook, its first e-mail and its last e-mail."""
    assert platform.keys is not None and platform.mail is not None
    auth = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    scheduling = platform.url("scheduling")
    receiver = WebhookReceiver()
    with httpx.Client(headers=auth, timeout=120) as http:
        receiver.secret = http.post(
            f"{platform.url('notification')}/v1/subscriptions",
            json={"url": receiver.url, "event_types": ["scheduling.session.moved"]},
        ).json()["secret"]
        meeting = bench_world.meeting(http, platform, "Fan-out benchmark")
        venue = http.post(
            f"{scheduling}/v1/meetings/{meeting['id']}/venues",
            json={"name": "Expo", "city": "Moscow", "address": "1", "timezone": "Europe/Moscow"},
        ).json()
        room = http.post(
            f"{scheduling}/v1/venues/{venue['id']}/rooms",
            json={"name": "Plenary hall", "capacity": attendees + 100},
        ).json()
        delegation = http.post(
            f"{platform.url('delegation')}/v1/meetings/{meeting['id']}/delegations",
            json={"name": "Bench", "kind": "member", "quota": attendees + 10},
        ).json()
        people = [uuid.uuid4() for _ in range(attendees)]
        asyncio.run(
            _seed(platform, meeting_id=meeting["id"], delegation_id=delegation["id"], people=people)
        )
        session = bench_world.until(
            lambda: http.post(
                f"{scheduling}/v1/meetings/{meeting['id']}/sessions",
                json={
                    "title": "Plenary session",
                    "format": "plenary",
                    "room_id": room["id"],
                    "starts_at": "2026-06-01T10:00:00",
                    "ends_at": "2026-06-01T12:00:00",
                },
            ),
            201,
        ).json()
        for start in range(0, attendees, 500):
            chunk = [str(p) for p in people[start : start + 500]]
            bench_world.until(
                lambda chunk=chunk: http.post(
                    f"{scheduling}/v1/sessions/{session['id']}/attendance",
                    json={"application_ids": chunk},
                ),
                200,
                201,
            )
        deadline = time.monotonic() + 300
        while asyncio.run(_projected(platform, session["id"])) < attendees:
            if time.monotonic() > deadline:
                raise RuntimeError("notification did not learn of every attendee in 300 s")
            time.sleep(0.5)
        caught_before = len(platform.mail.caught)
        moved = http.patch(
            f"{scheduling}/v1/sessions/{session['id']}",
            json={"starts_at": "2026-06-01T14:00:00", "ends_at": "2026-06-01T16:00:00"},
        )
        answered = time.monotonic()
        if moved.status_code != 200:
            raise RuntimeError(f"the move was refused: {moved.status_code} {moved.text}")
    hook = receiver.wait(event_type="scheduling.session.moved", subject=session["id"], timeout=300)
    told = platform.mail.wait_for_total(caught_before + attendees, timeout=600)
    receiver.close()
    arrivals = [c.at for c in told[caught_before:]]
    wall = time.time() - time.monotonic()  # the catcher stamps wall-clock time
    return {
        "webhook": hook.at - answered,
        "first e-mail": min(arrivals) - wall - answered,
        f"all {attendees} e-mails": max(arrivals) - wall - answered,
    }


def import_backlog(platform: Platform, *, lines: int = 1000) -> dict[str, float]:
    """Seconds from a CSV import's 202 to its end and to notification's last webhook of it, and
    from asking for an invitation code at the import's end to the code's e-mail."""
    assert platform.keys is not None and platform.mail is not None
    organiser = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    registration = platform.url("registration")
    receiver = WebhookReceiver()
    with httpx.Client(headers=organiser, timeout=120) as http:
        receiver.secret = http.post(
            f"{platform.url('notification')}/v1/subscriptions",
            json={"url": receiver.url, "event_types": ["registration.*", "delegation.*"]},
        ).json()["secret"]
        meeting = bench_world.meeting(http, platform, "Backlog benchmark")
        delegation = bench_world.delegation(http, platform, meeting, name="Bench", quota=lines)
        focal_point = platform.keys.token(
            "focal_point", subject="bench-fp", delegation_id=delegation["id"]
        )
        csv_text = (
            "given_name,family_name,email,category,nationality,passport_number,date_of_birth\n"
        )
        csv_text += "".join(
            f"Bench,P{i:05d},p{i:05d}@bench.example.org,delegate,KAZ,N{i:08d},1980-01-01\n"
            for i in range(lines)
        )
        started = bench_world.until(
            lambda: http.post(
                f"{registration}/v1/meetings/{meeting['id']}/imports",
                content=csv_text.encode(),
                headers={"content-type": "text/csv", "Authorization": f"Bearer {focal_point}"},
            ),
            202,
        )
        t0 = time.monotonic()
        location = started.headers["location"]
        as_focal_point = {"Authorization": f"Bearer {focal_point}"}
        while (
            http.get(f"{registration}{location}", headers=as_focal_point).json()["status"] != "done"
        ):
            time.sleep(0.2)
        imported = time.monotonic() - t0
        # asked for when the import's events are all published and notification is furthest behind
        asked = time.monotonic()
        link = http.post(
            f"{registration}/v1/invitations",
            json={"email": "invitee@bench.example.org", "role": "organiser"},
        ).json()
        accepted = accept_invitation(
            registration,
            platform.mail,
            token=link["url"].partition("#token=")[2],
            email="invitee@bench.example.org",
            password="bench-password-2026",  # noqa: S106 - a throwaway account of the benchmark
            timeout=600,
        )
        code_seconds = time.monotonic() - asked
        if accepted.status_code != 201:
            raise RuntimeError(f"the invitation was refused: {accepted.text}")
    deadline = time.monotonic() + 600
    while len(receiver.events(event_type="registration.application.nominated")) < lines:
        if time.monotonic() > deadline:
            raise RuntimeError("notification did not deliver every nomination in 600 s")
        time.sleep(0.2)
    last = max(r.at for r in receiver.received) - t0  # the receiver stamps monotonic time
    receiver.close()
    return {
        "import finished": imported,
        "invitation code e-mailed (asked at the end)": code_seconds,
        f"last of {lines} webhooks": last,
    }
