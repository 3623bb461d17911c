"""Conflict-check benchmark: a meeting of 2,000 sessions and 100,000 participants.

Seeds scheduling's tables directly (COPY), then times the dry-run endpoint, which runs the very
check every booking, move and assignment runs. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

SESSIONS = 2_000
PARTICIPANTS = 100_000
ROOMS = 50
DELEGATIONS = 200
HEADS_PER_SESSION = 3


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def seed(database_url: str, meeting_id: uuid.UUID, venue_id: uuid.UUID) -> dict:
    """Rooms, delegations, participants, sessions, heads and attendance of one meeting."""
    conn = await asyncpg.connect(_dsn(database_url), server_settings={"search_path": "scheduling"})
    try:
        rooms = [uuid.uuid4() for _ in range(ROOMS)]
        await conn.copy_records_to_table(
            "rooms",
            columns=["id", "venue_id", "meeting_id", "name", "capacity", "languages", "bilateral"],
            records=[
                (r, venue_id, meeting_id, f"Room {i:03d}", 500, "[]", False)
                for i, r in enumerate(rooms)
            ],
        )
        delegations = [uuid.uuid4() for _ in range(DELEGATIONS)]
        await conn.copy_records_to_table(
            "delegations",
            columns=["id", "meeting_id", "name", "session_seats", "status"],
            records=[
                (d, meeting_id, f"Delegation {i:03d}", json.dumps({"restricted": 4}), "active")
                for i, d in enumerate(delegations)
            ],
        )
        people = [uuid.uuid4() for _ in range(PARTICIPANTS)]
        now = datetime.now(UTC)
        await conn.copy_records_to_table(
            "participants",
            columns=[
                "application_id", "meeting_id", "delegation_id", "given_name", "family_name",
                "category", "accredited_at", "status", "calendar_token",
            ],
            records=[
                (p, meeting_id, delegations[i % DELEGATIONS], "Bench", f"P{i:06d}", "delegate",
                 now, "accredited", secrets.token_urlsafe(32))
                for i, p in enumerate(people)
            ],
        )  # fmt: skip
        # 50 rooms x 40 slots (8 a day over 5 days, 60 minutes each, 75 minutes apart)
        start = datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
        sessions, slots = [], []
        for i in range(SESSIONS):
            slot = i // ROOMS
            begins = start + timedelta(days=slot // 8, minutes=75 * (slot % 8))
            sessions.append(uuid.uuid4())
            slots.append((rooms[i % ROOMS], begins, begins + timedelta(minutes=60)))
        await conn.copy_records_to_table(
            "sessions",
            columns=[
                "id", "meeting_id", "title", "titles", "format", "room_id", "visibility",
                "status", "sequence", "starts_at", "ends_at",
            ],
            records=[
                (s, meeting_id, f"Session {i:04d}", "{}", "plenary", room, "public",
                 "scheduled", 0, begins, ends)
                for i, (s, (room, begins, ends)) in enumerate(zip(sessions, slots, strict=True))
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "session_heads",
            columns=["session_id", "delegation_id"],
            records=[
                (s, delegations[(i * HEADS_PER_SESSION + k) % DELEGATIONS])
                for i, s in enumerate(sessions)
                for k in range(HEADS_PER_SESSION)
            ],
        )
        # every participant attends one session: 50 attendees a session
        await conn.copy_records_to_table(
            "attendance",
            columns=["session_id", "application_id", "meeting_id", "delegation_id", "assigned_by"],
            records=[
                (sessions[i % SESSIONS], p, meeting_id, delegations[i % DELEGATIONS], "bench")
                for i, p in enumerate(people)
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {"rooms": rooms, "sessions": sessions, "people": people, "delegations": delegations}


def conflict_check(*, scheduling_url: str, database_url: str, token: str, rounds: int = 200):
    """Seed the large meeting and time the dry-run; returns seconds per kind of proposal."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=scheduling_url, headers=auth, timeout=60) as http:
        meeting = http.post(
            "/v1/meetings",
            json={
                "title": "Conflict benchmark meeting",
                "city": "Bench",
                "venue": "Bench Centre",
                "timezone": "Europe/Berlin",
                "starts_on": "2030-06-01",
                "ends_on": "2030-06-10",
            },
        ).json()
        venue = http.post(
            f"/v1/meetings/{meeting['id']}/venues",
            json={"name": "Bench Centre", "city": "Bench", "timezone": "Europe/Berlin"},
        ).json()
        began = time.monotonic()
        seeded = asyncio.run(seed(database_url, uuid.UUID(meeting["id"]), uuid.UUID(venue["id"])))
        print(
            f"· seeded {SESSIONS} sessions, {PARTICIPANTS} participants and attendance rows "
            f"in {time.monotonic() - began:.1f} s",
            flush=True,
        )
        path = f"/v1/meetings/{meeting['id']}/conflict-check"
        sessions, people = seeded["sessions"], seeded["people"]
        proposals = {
            "move a session of 50 attendees and 3 heads": lambda i: {
                "session_id": str(sessions[(i * 37) % SESSIONS]),
                "starts_at": "2030-06-04T09:00:00",
                "ends_at": "2030-06-04T10:30:00",
            },
            "new session, 200 participants and 5 heads": lambda i: {
                "format": "restricted",
                "room_id": str(seeded["rooms"][i % ROOMS]),
                "starts_at": "2030-06-05T10:00:00",
                "ends_at": "2030-06-05T11:00:00",
                "application_ids": [
                    str(people[(i * 211 + k * 499) % PARTICIPANTS]) for k in range(200)
                ],
                "head_delegation_ids": [str(d) for d in seeded["delegations"][i % 50 : i % 50 + 5]],
            },
        }
        timings: dict[str, list[float]] = {}
        for name, make in proposals.items():
            for i in range(10):  # warm-up
                http.post(path, json=make(i)).raise_for_status()
            found, times = 0, []
            for i in range(rounds):
                body = make(i)
                t0 = time.perf_counter()
                response = http.post(path, json=body)
                times.append(time.perf_counter() - t0)
                response.raise_for_status()
                found += len(response.json()["conflicts"])
            timings[f"{name} ({found / rounds:.0f} conflicts found)"] = times
    return timings
