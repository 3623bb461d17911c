"""What the pages show, computed from the services' answers: quota bars, the schedule grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STATES = (
    "submitted",
    "waitlisted",
    "nominated",
    "accredited",
    "rejected",
    "refused",
    "withdrawn",
    "revoked",
)
CATEGORIES = ("delegate", "adviser", "security", "media", "support")
# states a focal point may still withdraw a person from
WITHDRAWABLE = frozenset({"submitted", "waitlisted", "nominated", "accredited"})


@dataclass(frozen=True)
class Bar:
    """A quota and its use, as a bar: `percent` is capped at 100, `over` says it is exceeded."""

    name: str
    used: int
    limit: int | None

    @property
    def percent(self) -> int:
        """How full, 0 to 100 (an unlimited quota shows empty)."""
        if not self.limit:
            return 100 if self.limit == 0 and self.used else 0
        return min(100, round(100 * self.used / self.limit))

    @property
    def full(self) -> bool:
        """No seat left."""
        return self.limit is not None and self.used >= self.limit


def quota_bars(delegation: dict) -> list[Bar]:
    """The total quota first, then each category with its own quota."""
    bars = [Bar("total", delegation["quota_used"], delegation["quota"])]
    used = delegation.get("category_used", {})
    for category, limit in sorted(delegation.get("category_quotas", {}).items()):
        bars.append(Bar(category, used.get(category, 0), limit))
    return bars


@dataclass(frozen=True)
class Slot:
    """A session placed on the grid: its column (room) and rows (from the day's first slot)."""

    session: dict
    column: int
    row: int
    span: int


@dataclass(frozen=True)
class Grid:
    """One day's sessions by room: rooms are columns, `step`-minute rows from `start`."""

    rooms: list[dict]
    start: datetime | None
    rows: int
    step: int
    slots: list[Slot]

    def times(self) -> list[datetime]:
        """The time at the top of each row."""
        if self.start is None:
            return []
        return [self.start + timedelta(minutes=self.step * i) for i in range(self.rows)]


def schedule_grid(rooms: list[dict], sessions: list[dict], step: int = 15) -> Grid:
    """Place a day's sessions (venue-local times) on a room-by-time grid."""
    if not sessions:
        return Grid(rooms=rooms, start=None, rows=0, step=step, slots=[])
    starts = [datetime.fromisoformat(s["starts_at"]) for s in sessions]
    ends = [datetime.fromisoformat(s["ends_at"]) for s in sessions]
    first = min(starts)
    first = first.replace(minute=first.minute - first.minute % 30, second=0, microsecond=0)
    last = max(ends)
    rows = max(1, -(-int((last - first).total_seconds() // 60) // step))
    columns = {room["id"]: i + 1 for i, room in enumerate(rooms)}
    slots = []
    for session, start, end in zip(sessions, starts, ends, strict=True):
        row = int((start - first).total_seconds() // 60) // step + 1
        span = max(1, -(-int((end - start).total_seconds() // 60) // step))
        slots.append(
            Slot(
                session=session,
                column=columns.get(session["room_id"], len(columns) + 1),
                row=row,
                span=span,
            )
        )
    return Grid(rooms=rooms, start=first, rows=rows, step=step, slots=slots)
