"""Meetings and sessions: the rules of a timetable, free of I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from plenary_shared.errors import Conflict, Invalid
from plenary_shared.vocabulary import SessionFormat  # noqa: F401 - re-exported

# whether the caller may act for a delegation (organisers: any; a focal point: its own)
MayActFor = Callable[[UUID], bool]


class Visibility(StrEnum):
    """Who sees a session: everyone (public feed), or only organisers and its attendees."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


class SessionStatus(StrEnum):
    """A session is on the timetable or cancelled (cancelled sessions stay, for calendars)."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BilateralStatus(StrEnum):
    """Where a bilateral meeting request stands."""

    REQUESTED = "requested"
    COUNTER_PROPOSED = "counter_proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


OPEN_BILATERAL = (BilateralStatus.REQUESTED, BilateralStatus.COUNTER_PROPOSED)


@dataclass(frozen=True)
class MeetingDates:
    """A meeting's days, read in a venue's time zone."""

    starts_on: date
    ends_on: date
    timezone: str

    def check(self) -> None:
        """A meeting ends on or after the day it starts."""
        if self.ends_on < self.starts_on:
            raise Invalid(
                f"ends_on ({self.ends_on}) is before starts_on ({self.starts_on}); "
                "a meeting must end on or after the day it starts"
            )

    def localise(self, moment: datetime) -> datetime:
        """A session time in the venue's zone: naive times are venue-local wall-clock times."""
        return localise(moment, self.timezone)

    def check_session(self, starts_at: datetime, ends_at: datetime) -> None:
        """A session ends after it starts and falls on the meeting's days (venue time)."""
        start, end = self.localise(starts_at), self.localise(ends_at)
        # compared in UTC: within one zone Python compares wall clocks, wrong in a repeated hour
        if end.astimezone(UTC) <= start.astimezone(UTC):
            raise Invalid("ends_at must be after starts_at")
        if start.date() < self.starts_on or end.date() > self.ends_on:
            raise Invalid(
                f"the session ({start:%Y-%m-%d %H:%M}-{end:%H:%M} {self.timezone}) falls outside "
                f"the meeting's days, {self.starts_on} to {self.ends_on}"
            )

    def utc_span(self, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
        """Session times checked against the meeting's days (venue time), in UTC."""
        self.check_session(starts_at, ends_at)
        return self.localise(starts_at).astimezone(UTC), self.localise(ends_at).astimezone(UTC)


def ensure_scheduled(*, status: str, title: str, instead: str) -> None:
    """A cancelled session stays cancelled: it cannot be changed, only replaced by a new one."""
    if status != SessionStatus.SCHEDULED:
        raise Conflict(f"session '{title}' is cancelled; {instead}", current_status=status)


def localise(moment: datetime, timezone: str) -> datetime:
    """A time in a zone: naive times are that zone's wall-clock times."""
    zone = ZoneInfo(timezone)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def local_day(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC bounds of one local day in a zone (23 or 25 hours on a DST change)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def span(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    """A session's time as people read it: '2025-11-18 10:00-11:30 Europe/Moscow'."""
    start, end = starts_at.astimezone(ZoneInfo(timezone)), ends_at.astimezone(ZoneInfo(timezone))
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}-{tail} {timezone}"


@dataclass(frozen=True)
class Clash:
    """One reason a proposed timetable change cannot be saved."""

    kind: str  # room | participant | head | capacity | seats | accreditation
    message: str
    session_id: UUID | None = None
    session_title: str | None = None
    application_id: UUID | None = None
    delegation_id: UUID | None = None


@dataclass
class Clashes:
    """Every clash of one proposed change; raised as 409 naming the first."""

    found: list[Clash] = field(default_factory=list)

    def add(self, clash: Clash) -> None:
        """Record one clash."""
        self.found.append(clash)

    def raise_if_any(self) -> None:
        """Refuse the change, naming the first clash and listing all."""
        if not self.found:
            return
        more = len(self.found) - 1
        detail = self.found[0].message + (f" (and {more} more conflict(s))" if more else "")
        raise Conflict(detail, conflicts=[as_dict(c) for c in self.found])


def as_dict(clash: Clash) -> dict:
    """A clash as JSON."""
    return {
        "kind": clash.kind,
        "message": clash.message,
        "session_id": str(clash.session_id) if clash.session_id else None,
        "session_title": clash.session_title,
        "application_id": str(clash.application_id) if clash.application_id else None,
        "delegation_id": str(clash.delegation_id) if clash.delegation_id else None,
    }


def room_clash(*, room: str, other, timezone: str, changeover: timedelta) -> Clash:
    """The room is booked by another session within the changeover time."""
    gap = f" (with {int(changeover.total_seconds() // 60)} min changeover)" if changeover else ""
    return Clash(
        kind="room",
        message=(
            f"room '{room}' is already booked{gap} by session '{other.title}' "
            f"({span(other.starts_at, other.ends_at, timezone)}, id {other.id})"
        ),
        session_id=other.id,
        session_title=other.title,
    )


def participant_clash(*, who: str, application_id: UUID, other, timezone: str) -> Clash:
    """The participant is already in another session at that time."""
    return Clash(
        kind="participant",
        message=(
            f"{who} is already in session '{other.title}' "
            f"({span(other.starts_at, other.ends_at, timezone)}, id {other.id})"
        ),
        session_id=other.id,
        session_title=other.title,
        application_id=application_id,
    )


def head_clash(*, delegation: str, delegation_id: UUID, other, timezone: str) -> Clash:
    """The head of a delegation is already in another session at that time."""
    return Clash(
        kind="head",
        message=(
            f"the head of delegation of {delegation} is already in session '{other.title}' "
            f"({span(other.starts_at, other.ends_at, timezone)}, id {other.id})"
        ),
        session_id=other.id,
        session_title=other.title,
        delegation_id=delegation_id,
    )


def accreditation_clash(person, *, application_id: UUID, meeting_id: UUID) -> Clash | None:
    """Only participants accredited to the meeting can be assigned to its sessions."""
    if person is None or person.status != "accredited":
        state = "is not accredited" if person is None else f"is {person.status}"
        return Clash(
            kind="accreditation",
            message=(
                f"participant {application_id} {state}; only accredited participants "
                "can be assigned"
            ),
            application_id=application_id,
        )
    if person.meeting_id != meeting_id:
        return Clash(
            kind="accreditation",
            message=f"participant {application_id} is accredited to another meeting",
            application_id=application_id,
        )
    return None


def seats_left(*, seats: dict[str, int], session_format: str, taken: int) -> int | None:
    """Seats a delegation still has in a session of a format; None when the format has no limit."""
    if session_format not in seats:
        return None
    return max(0, seats[session_format] - taken)


def check_capacity(*, capacity: int | None, room: str, attendees: int, clashes: Clashes) -> None:
    """A room holds at most its capacity (heads and participants together)."""
    if capacity is not None and attendees > capacity:
        clashes.add(
            Clash(
                kind="capacity",
                message=(
                    f"room '{room}' holds {capacity} people and the session would have "
                    f"{attendees}; choose a larger room or fewer attendees"
                ),
            )
        )


def snapshot_entry(row, *, room: str) -> dict:
    """A session as frozen in a schedule version."""
    return {
        "id": str(row.id),
        "title": row.title,
        "format": row.format,
        "room_id": str(row.room_id),
        "room": room,
        "starts_at": row.starts_at.astimezone(UTC).isoformat(),
        "ends_at": row.ends_at.astimezone(UTC).isoformat(),
        "status": row.status,
        "visibility": row.visibility,
    }


CHANGE_KINDS = ("added", "moved", "re-roomed", "cancelled", "retitled")


def changelog(before: list[dict], after: list[dict]) -> list[dict]:
    """Sessions added, moved, re-roomed, retitled or cancelled from one snapshot to the next."""
    old = {s["id"]: s for s in before}
    changes = []
    for new in after:
        was = old.get(new["id"])
        live = new["status"] == SessionStatus.SCHEDULED
        if was is None or was["status"] != SessionStatus.SCHEDULED:
            kinds = ["added"] if live else []
        elif not live:
            kinds = ["cancelled"]
        else:
            kinds = []
            if (was["starts_at"], was["ends_at"]) != (new["starts_at"], new["ends_at"]):
                kinds.append("moved")
            if was["room_id"] != new["room_id"]:
                kinds.append("re-roomed")
            if was["title"] != new["title"]:
                kinds.append("retitled")
        if kinds:
            changes.append({"session": new, "previous": was, "kinds": kinds})
    return sorted(changes, key=lambda c: (c["session"]["starts_at"], c["session"]["id"]))


def check_slots(slots: list[tuple[datetime, datetime]]) -> None:
    """Bilateral slots: one to ten, each ending after it starts."""
    if not 1 <= len(slots) <= 10:
        raise Invalid("propose between 1 and 10 slots")
    for start, end in slots:
        if end <= start:
            raise Invalid(f"a slot ends ({end:%Y-%m-%d %H:%M}) before it starts")


def utc_slots(slots: list[tuple[datetime, datetime]], timezone: str) -> list[dict]:
    """Bilateral slots checked and stored in UTC; naive times are read in the meeting's zone."""
    pairs = [
        (localise(start, timezone).astimezone(UTC), localise(end, timezone).astimezone(UTC))
        for start, end in slots
    ]
    check_slots(pairs)
    return [{"starts_at": a.isoformat(), "ends_at": b.isoformat()} for a, b in pairs]


def ensure_two_delegations(requester_id: UUID, counterpart_id: UUID) -> None:
    """A bilateral meeting is between two different delegations."""
    if requester_id == counterpart_id:
        raise Invalid("a bilateral meeting needs two different delegations")


def check_parties(ids: list[UUID], *, meeting_id: UUID, known: dict) -> None:
    """Both parties of a bilateral are active delegations of the meeting."""
    for delegation_id in ids:
        delegation = known.get(delegation_id)
        if delegation is None or delegation.meeting_id != meeting_id:
            raise Invalid(f"delegation {delegation_id} is not a delegation of this meeting")
        if delegation.status != "active":
            raise Conflict(f"{delegation.name} has withdrawn from the meeting")


def answers_next(*, requester_id: UUID, counterpart_id: UUID, awaiting_id: UUID) -> UUID:
    """After a counter-proposal the other delegation answers."""
    return requester_id if awaiting_id == counterpart_id else counterpart_id


def ensure_open(*, status: str, request_id: UUID) -> None:
    """Only a request still awaiting an answer can be answered."""
    if status not in OPEN_BILATERAL:
        raise Conflict(
            f"bilateral request {request_id} is already {status}; it can no longer be answered",
            current_status=status,
        )
