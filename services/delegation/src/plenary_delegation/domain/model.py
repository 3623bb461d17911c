"""Delegations, their quotas, heads and logistics: rules free of I/O."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from plenary_delegation.domain.quotas import seat_fits
from plenary_shared.errors import Conflict, Invalid
from plenary_shared.vocabulary import Category, SessionFormat  # noqa: F401 - re-exported


class DelegationKind(StrEnum):
    """How a delegation takes part in a meeting."""

    MEMBER = "member"
    OBSERVER = "observer"
    DIALOGUE_PARTNER = "dialogue_partner"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    GUEST = "guest"


class DelegationStatus(StrEnum):
    """Whether a delegation still takes part."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class HeadRank(StrEnum):
    """The protocol rank of a head of delegation."""

    HEAD_OF_STATE = "head_of_state"
    HEAD_OF_GOVERNMENT = "head_of_government"
    VICE_PRESIDENT = "vice_president"
    DEPUTY_PRIME_MINISTER = "deputy_prime_minister"
    MINISTER = "minister"
    DEPUTY_MINISTER = "deputy_minister"
    AMBASSADOR = "ambassador"
    HEAD_OF_ORGANISATION = "head_of_organisation"
    OTHER = "other"


class Decision(StrEnum):
    """The delegation's answer to a nomination."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    # a waiting nominee withdrew before a seat came free
    LEFT_WAITING_LIST = "left_waiting_list"


class Direction(StrEnum):
    """Whether a movement brings a delegation in or takes it away."""

    ARRIVAL = "arrival"
    DEPARTURE = "departure"


class TravelMode(StrEnum):
    """How a delegation travels."""

    FLIGHT = "flight"
    TRAIN = "train"
    ROAD = "road"


@dataclass(frozen=True)
class QuotaOutcome:
    """What a nomination did to a quota."""

    decision: Decision
    reason: str | None
    quota: int
    used: int


def decide(
    *, took_seat: bool, quota: int, used: int, withdrawn: bool = False, waitlist: bool = False
) -> QuotaOutcome:
    """Accepted when the atomic seat claim succeeded; rejected if withdrawn; over quota, on the
    waiting list when that was chosen, else rejected."""
    if withdrawn:
        return QuotaOutcome(Decision.REJECTED, "delegation_withdrawn", quota, used)
    if took_seat:
        return QuotaOutcome(Decision.ACCEPTED, None, quota, used)
    if waitlist:
        return QuotaOutcome(Decision.WAITLISTED, "quota_exceeded", quota, used)
    return QuotaOutcome(Decision.REJECTED, "quota_exceeded", quota, used)


@dataclass(frozen=True)
class Standing:
    """A delegation's total as it stands (its row locked), for deciding nominations together."""

    meeting_id: UUID
    active: bool
    quota: int
    used: int


def accept_in_turn(
    nominations: list[tuple[UUID, UUID, str]],
    standing: Mapping[UUID, Standing],
    categories: Mapping[tuple[UUID, str], tuple[int | None, int]],
) -> list[QuotaOutcome]:
    """Nominations (delegation, meeting, category) given seats in turn, each with the use of the
    total as it finds it, up to the first that does not fit its meeting, total or category
    (`categories`: each (delegation, category) quota and use; one not there has no limit)."""
    used = {delegation_id: s.used for delegation_id, s in standing.items()}
    taken: dict[tuple[UUID, str], int] = {}
    outcomes = []
    for delegation_id, meeting_id, category in nominations:
        total = standing.get(delegation_id)
        if total is None or total.meeting_id != meeting_id:
            break
        limit, before = categories.get((delegation_id, category), (None, 0))
        in_category = taken.get((delegation_id, category), before)
        if not seat_fits(
            active=total.active,
            quota=total.quota,
            used=used[delegation_id],
            category_quota=limit,
            category_used=in_category,
        ):
            break
        used[delegation_id] += 1
        taken[delegation_id, category] = in_category + 1
        outcomes.append(QuotaOutcome(Decision.ACCEPTED, None, total.quota, used[delegation_id]))
    return outcomes


_NOUNS: dict[str, tuple[str, str]] = {
    Category.DELEGATE: ("delegate", "delegates"),
    Category.ADVISER: ("adviser", "advisers"),
    Category.SECURITY: ("security officer", "security officers"),
    Category.MEDIA: ("media representative", "media representatives"),
    Category.SUPPORT: ("support staff member", "support staff members"),
}


def headcount(category: str | None, count: int) -> str:
    """'1 adviser is' or '3 advisers are'; without a category, participants."""
    if category is None:
        one, many = "participant", "participants"
    else:
        one, many = _NOUNS.get(category, (f"{category} nominee", f"{category} nominees"))
    return f"{count} {one} is" if count == 1 else f"{count} {many} are"


def merge_limits(current: Mapping[str, int], change: Mapping[str, int | None]) -> dict[str, int]:
    """Apply a change to limits: a number sets a limit, None removes it (no limit)."""
    merged = dict(current)
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return dict(sorted(merged.items()))


def check_quotas(
    *,
    quota: int | None,
    used: int,
    category_quotas: Mapping[str, int],
    category_used: Mapping[str, int],
) -> None:
    """Refuse (409) any new quota below what is already accepted, saying how many are."""
    problems = []
    if quota is not None and quota < used:
        problems.append(f"quota cannot be {quota}: {headcount(None, used)} already accepted")
    for category, limit in sorted(category_quotas.items()):
        taken = category_used.get(category, 0)
        if limit < taken:
            problems.append(
                f"{category} quota cannot be {limit}: {headcount(category, taken)} already accepted"
            )
    if problems:
        raise Conflict(
            "; ".join(problems)
            + ". Choose a quota at least that high, or withdraw applications first; nothing was changed."
        )


def ensure_active(*, status: str, name: str, withdrawn_at: datetime | None = None) -> None:
    """A withdrawn delegation can no longer be changed (409)."""
    if status == DelegationStatus.WITHDRAWN:
        when = f" on {withdrawn_at:%Y-%m-%d}" if withdrawn_at else ""
        raise Conflict(
            f"the delegation {name} withdrew from the meeting{when}; it can no longer be changed",
            current_status="withdrawn",
        )


YO = "\N{CYRILLIC SMALL LETTER IO}"
YE = "\N{CYRILLIC SMALL LETTER IE}"
SHORT_I = "\N{CYRILLIC SMALL LETTER SHORT I}"
_RU_KEEP = frozenset({SHORT_I, YO})


def _base_letters(text: str, keep: frozenset[str]) -> str:
    """Letters without accents, except those in `keep` (letters in their own right)."""
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


def collation_key(text: str, *, lang: str = "en") -> tuple[str, tuple[bool, ...], str, str]:
    """A sort key for alphabetical (protocol) order that needs no database collation.

    Case is ignored. In English (and any other language) accents are ignored, so Türkiye sorts
    as Turkiye. In Russian the short i (U+0439) stays a letter of its own, and yo (U+0451) is
    compared as ye (U+0435) first; names that differ only there put ye first and yo just after
    it, so "Еж" < "Ёж" < "Елецкая" < "Ёлкинская" < "Жуковская" (code-point order would put
    capital Yo before every other Cyrillic letter and small yo after ya). Ties are broken by
    the accented form, then by the original text.
    """
    folded = text.casefold()
    if lang == "ru":
        letters = _base_letters(folded, _RU_KEEP)
        primary = letters.replace(YO, YE)
        secondary = tuple(ch == YO for ch in letters)
    else:
        primary = _base_letters(folded, frozenset())
        secondary = ()
    return primary, secondary, folded, text


def search_fold(text: str) -> str:
    """Text folded for a loose search: no case, no accents, yo as ye."""
    return _base_letters(text.casefold(), frozenset()).replace(YO, YE)


def localise(moment: datetime, timezone: str) -> datetime:
    """A moment in the venue's zone: a naive time is the venue's wall-clock time."""
    zone = ZoneInfo(timezone)
    if moment.tzinfo is not None:
        return moment.astimezone(zone)
    local = moment.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise Invalid(
            f"{moment:%Y-%m-%d %H:%M} does not exist in {timezone} (the clocks skip it); "
            "send the time with its UTC offset"
        )
    return local


def local_day(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of one calendar day in the venue's zone."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


TRAVEL_WINDOW_DAYS = 30


def check_movement(
    *,
    mode: TravelMode,
    number: str | None,
    local: datetime,
    starts_on: date,
    ends_on: date,
    timezone: str,
) -> None:
    """A flight or train has its number; travel falls within 30 days of the meeting's days."""
    if mode is not TravelMode.ROAD and not number:
        example = "SU 1234" if mode is TravelMode.FLIGHT else "002A"
        raise Invalid(f"a {mode.value} needs its number, e.g. {example}")
    window = timedelta(days=TRAVEL_WINDOW_DAYS)
    if not starts_on - window <= local.date() <= ends_on + window:
        raise Invalid(
            f"{local:%Y-%m-%d %H:%M} ({timezone}) is more than {TRAVEL_WINDOW_DAYS} days away "
            f"from the meeting ({starts_on} to {ends_on}); check the date"
        )


def check_stay(*, check_in: date, check_out: date) -> None:
    """A hotel stay ends after the day it starts."""
    if check_out <= check_in:
        raise Invalid(
            f"check_out ({check_out}) must be after check_in ({check_in}); "
            "a stay lasts at least one night"
        )
