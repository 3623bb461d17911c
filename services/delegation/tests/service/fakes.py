"""A fake of `plenary_delegation.adapters.repository.Repository`: rows in dicts, no database.

It keeps what the real statements keep and refuses what they refuse (a seat only when
`domain.quotas.seat_fits`, a country once per meeting, an e-mail once per delegation's current
focal points); `tests/e2e/test_delegation_features.py` checks that the real seat claim and the
domain rule agree. Loaded by `conftest.py` under a name of its own (other services have a
`fakes.py` too).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import UUID

from plenary_delegation.adapters.repository import SeatClaim
from plenary_delegation.domain.model import Decision, DelegationStatus, Standing
from plenary_delegation.domain.quotas import seat_fits
from plenary_shared.db import new_event
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import EventPayload

_DELEGATION_DEFAULTS = {
    "quota_used": 0,
    "status": DelegationStatus.ACTIVE.value,
    "names": {},
    "session_seats": {},
    "country_code": None,
    "head_name": None,
    "head_title": None,
    "head_rank": None,
    "waitlist_by_default": False,
    "withdrawn_at": None,
    "withdrawn_by": None,
    "withdrawal_reason": None,
}


class FakeRepository:
    """The delegation schema in memory; every attribute is a table the tests may read."""

    def __init__(self) -> None:
        self.meetings: dict[UUID, SimpleNamespace] = {}
        self.delegations: dict[UUID, SimpleNamespace] = {}
        self.counters: dict[tuple[UUID, str], SimpleNamespace] = {}
        self.seats: dict[UUID, SimpleNamespace] = {}
        self.nominations: dict[UUID, SimpleNamespace] = {}
        self.focal_points: dict[UUID, SimpleNamespace] = {}
        self.movements: dict[UUID, SimpleNamespace] = {}
        self.accommodations: dict[UUID, dict] = {}
        self.liaisons: dict[UUID, dict] = {}
        self.locked: list[UUID] = []
        self._clock = itertools.count(1)

    # what a test sets up

    def given_meeting(self, **values) -> SimpleNamespace:
        """A meeting in the projection (Almaty, 2025-11-16 to 18, unless given)."""
        meeting = SimpleNamespace(
            **{
                "id": uuid.uuid4(),
                "title": "Summit",
                "timezone": "Asia/Almaty",
                "starts_on": date(2025, 11, 16),
                "ends_on": date(2025, 11, 18),
                **values,
            }
        )
        self.meetings[meeting.id] = meeting
        return meeting

    def given_delegation(
        self, meeting_id: UUID, *, categories: dict[str, int | None] | None = None, **values
    ) -> SimpleNamespace:
        """A registered delegation (quota 2, unless given) with its category quotas."""
        row = {
            **_DELEGATION_DEFAULTS,
            "id": uuid.uuid4(),
            "meeting_id": meeting_id,
            "name": "Kazakhstan",
            "kind": "member",
            "quota": 2,
            **values,
        }
        self.delegations[row["id"]] = SimpleNamespace(**row)
        for category, quota in (categories or {}).items():
            self.counters[row["id"], category] = SimpleNamespace(
                delegation_id=row["id"], category=category, quota=quota, used=0
            )
        return self.delegations[row["id"]]

    def used(self, delegation_id: UUID) -> tuple[int, dict[str, int]]:
        """A delegation's total use and its use per category (categories with any)."""
        by_category = {
            c.category: c.used
            for (d, _), c in self.counters.items()
            if d == delegation_id and c.used
        }
        return self.delegations[delegation_id].quota_used, by_category

    def held_seats(self, delegation_id: UUID) -> set[UUID]:
        """The applications holding a seat of the delegation now."""
        return {
            s.application_id
            for s in self.seats.values()
            if s.delegation_id == delegation_id and s.released_at is None
        }

    # meetings

    async def get_meeting(self, meeting_id: UUID) -> SimpleNamespace | None:
        return self.meetings.get(meeting_id)

    async def remember_meeting(self, **values) -> None:
        self.meetings.setdefault(values["id"], SimpleNamespace(**values))

    # delegations

    async def get_delegation(self, delegation_id: UUID) -> SimpleNamespace | None:
        row = self.delegations.get(delegation_id)
        return SimpleNamespace(**vars(row)) if row else None

    async def lock_delegation(self, delegation_id: UUID) -> SimpleNamespace | None:
        self.locked.append(delegation_id)
        return await self.get_delegation(delegation_id)

    async def delegation_deciding(
        self, delegation_id: UUID, application_id: UUID
    ) -> SimpleNamespace | None:
        row = await self.get_delegation(delegation_id)
        if row is not None:
            row.decided = application_id in self.nominations
        return row

    async def add_delegation(self, **values) -> bool:
        row = {**_DELEGATION_DEFAULTS, **values}
        if row["id"] in self.delegations or any(
            d.meeting_id == row["meeting_id"] and d.country_code == row["country_code"]
            for d in self.delegations.values()
            if row["country_code"] is not None
        ):
            return False
        self.delegations[row["id"]] = SimpleNamespace(**row)
        return True

    async def change_delegation(self, delegation_id: UUID, **values) -> None:
        vars(self.delegations[delegation_id]).update(values)

    async def withdraw_delegation(
        self, delegation_id: UUID, *, at: datetime, actor: str, reason: str
    ) -> None:
        vars(self.delegations[delegation_id]).update(
            status=DelegationStatus.WITHDRAWN.value,
            withdrawn_at=at,
            withdrawn_by=actor,
            withdrawal_reason=reason,
        )

    async def lock_category_counters(self, delegation_id: UUID) -> dict[str, SimpleNamespace]:
        return {
            c.category: SimpleNamespace(**vars(c))
            for (d, _), c in self.counters.items()
            if d == delegation_id
        }

    async def set_category_quota(
        self, *, delegation_id: UUID, category: str, quota: int | None
    ) -> None:
        counter = self.counters.setdefault(
            (delegation_id, category),
            SimpleNamespace(delegation_id=delegation_id, category=category, quota=None, used=0),
        )
        counter.quota = quota

    # seats

    def _claim(self, delegation_id: UUID, application_id: UUID, category: str) -> SeatClaim:
        d = self.delegations[delegation_id]
        counter = self.counters.get((delegation_id, category))
        active = d.status == DelegationStatus.ACTIVE.value
        if not active or d.quota_used >= d.quota:
            return SeatClaim(False, not active, d.quota, d.quota_used)
        if not seat_fits(
            active=active,
            quota=d.quota,
            used=d.quota_used,
            category_quota=counter.quota if counter else None,
            category_used=counter.used if counter else 0,
        ):
            return SeatClaim(False, False, counter.quota, counter.used, category_full=True)
        held = self.seats.get(application_id)
        if held is not None and held.released_at is None:
            raise RuntimeError(f"application {application_id} already holds a seat")
        self._take(application_id, delegation_id, category)
        return SeatClaim(True, False, d.quota, d.quota_used)

    def _take(self, application_id: UUID, delegation_id: UUID, category: str) -> None:
        self.delegations[delegation_id].quota_used += 1
        counter = self.counters.setdefault(
            (delegation_id, category),
            SimpleNamespace(delegation_id=delegation_id, category=category, quota=None, used=0),
        )
        counter.used += 1
        self.seats[application_id] = SimpleNamespace(
            application_id=application_id,
            delegation_id=delegation_id,
            category=category,
            released_at=None,
            release_reason=None,
        )

    async def claim_seat(
        self, *, delegation_id: UUID, application_id: UUID, category: str
    ) -> SeatClaim:
        return self._claim(delegation_id, application_id, category)

    async def claim_nomination_seat(
        self, *, delegation_id: UUID, meeting_id: UUID, application_id: UUID, category: str
    ) -> tuple[SimpleNamespace, SeatClaim] | None:
        d = self.delegations.get(delegation_id)
        if (
            d is None
            or d.meeting_id != meeting_id
            or d.status != DelegationStatus.ACTIVE.value
            or d.quota_used >= d.quota
            or application_id in self.nominations
        ):
            return None
        claim = self._claim(delegation_id, application_id, category)
        return SimpleNamespace(**vars(d)), claim

    async def standing_of(
        self, delegation_ids: Iterable[UUID]
    ) -> tuple[dict[UUID, Standing], dict[tuple[UUID, str], tuple[int | None, int]]]:
        ids = sorted(set(delegation_ids))
        self.locked.extend(ids)
        standing = {
            i: Standing(
                meeting_id=d.meeting_id,
                active=d.status == DelegationStatus.ACTIVE.value,
                quota=d.quota,
                used=d.quota_used,
            )
            for i in ids
            if (d := self.delegations.get(i)) is not None
        }
        categories = {
            key: (c.quota, c.used) for key, c in self.counters.items() if key[0] in standing
        }
        return standing, categories

    async def take_seats(self, claims: list[tuple[UUID, UUID, str]]) -> None:
        for application_id, delegation_id, category in claims:
            if application_id in self.seats:
                raise RuntimeError(f"duplicate seat of {application_id}")
            self._take(application_id, delegation_id, category)

    async def release_seat(self, *, application_id: UUID, reason: str) -> SimpleNamespace | None:
        seat = self.seats.get(application_id)
        if seat is None or seat.released_at is not None:
            return None
        seat.released_at, seat.release_reason = datetime.now(UTC), reason
        self.delegations[seat.delegation_id].quota_used -= 1
        self.counters[seat.delegation_id, seat.category].used -= 1
        return SimpleNamespace(delegation_id=seat.delegation_id, category=seat.category)

    # nominations

    async def decided_or_seated(self, application_ids: list[UUID]) -> set[UUID]:
        return {a for a in application_ids if a in self.nominations or a in self.seats}

    async def record_acceptances(
        self, accepted: list[tuple[UUID, UUID, UUID, str, bool | None]]
    ) -> None:
        for application_id, delegation_id, meeting_id, category, waitlist in accepted:
            await self.record_nomination(
                application_id=application_id,
                delegation_id=delegation_id,
                meeting_id=meeting_id,
                category=category,
                decision=Decision.ACCEPTED.value,
                reason=None,
                waitlist=waitlist,
                waiting=False,
            )

    async def record_nomination(self, *, waiting: bool, **values) -> None:
        if values["application_id"] in self.nominations:
            raise RuntimeError(f"duplicate nomination of {values['application_id']}")
        self.nominations[values["application_id"]] = SimpleNamespace(
            **values, waitlisted_at=next(self._clock) if waiting else None, promoted=False
        )

    async def forget_nomination(self, application_id: UUID) -> SimpleNamespace | None:
        return self.nominations.pop(application_id, None)

    async def accept_promoted(self, application_id: UUID) -> None:
        vars(self.nominations[application_id]).update(
            decision=Decision.ACCEPTED.value, reason=None, promoted=True
        )

    def _waiting(self, delegation_id: UUID) -> list[SimpleNamespace]:
        return sorted(
            (
                n
                for n in self.nominations.values()
                if n.delegation_id == delegation_id and n.decision == Decision.WAITLISTED.value
            ),
            key=lambda n: (n.waitlisted_at, n.application_id),
        )

    async def position_in_line(self, application_id: UUID) -> int | None:
        mine = self.nominations.get(application_id)
        if mine is None or mine.decision != Decision.WAITLISTED.value:
            return None
        line = [n for n in self._waiting(mine.delegation_id) if n.category == mine.category]
        return line.index(mine) + 1

    async def lock_waiting(self, delegation_id: UUID) -> list[SimpleNamespace]:
        return [SimpleNamespace(**vars(n)) for n in self._waiting(delegation_id)]

    async def leave_waiting_list(self, application_id: UUID) -> SimpleNamespace | None:
        n = self.nominations.get(application_id)
        if n is None or n.decision != Decision.WAITLISTED.value:
            return None
        n.decision, n.reason = Decision.LEFT_WAITING_LIST.value, "application_withdrawn"
        return SimpleNamespace(delegation_id=n.delegation_id, category=n.category)

    # focal points

    async def active_focal_point(
        self, *, delegation_id: UUID, email: str
    ) -> SimpleNamespace | None:
        return next(
            (
                f
                for f in self.focal_points.values()
                if f.delegation_id == delegation_id and f.email == email and f.revoked_at is None
            ),
            None,
        )

    async def add_focal_point(self, **values) -> bool:
        if await self.active_focal_point(
            delegation_id=values["delegation_id"], email=values["email"]
        ):
            return False
        self.focal_points[values["id"]] = SimpleNamespace(
            **values, revoked_at=None, revoked_by=None
        )
        return True

    async def revoke_focal_point(
        self, *, focal_point_id: UUID, delegation_id: UUID, actor: str
    ) -> SimpleNamespace | None:
        f = self.focal_points.get(focal_point_id)
        if f is None or f.delegation_id != delegation_id or f.revoked_at is not None:
            return None
        f.revoked_at, f.revoked_by = datetime.now(UTC), actor
        return SimpleNamespace(**vars(f))

    # logistics

    async def add_movement(self, **values) -> None:
        self.movements[values["id"]] = SimpleNamespace(**values)

    async def put_accommodation(self, *, delegation_id: UUID, **values) -> None:
        self.accommodations[delegation_id] = values

    async def put_liaison(self, *, delegation_id: UUID, **values) -> None:
        self.liaisons[delegation_id] = values


def event(payload: EventPayload) -> CloudEvent:
    """A consumed event, as another service would have published it."""
    return new_event(
        payload,
        subject=str(uuid.uuid4()),
        source="/plenary/other",
        correlation_id=None,
        causation_id=None,
    )
