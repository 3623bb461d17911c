"""Delegations and their quotas: rules free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DelegationKind(StrEnum):
    """How a delegation takes part in a meeting."""

    MEMBER = "member"
    OBSERVER = "observer"
    DIALOGUE_PARTNER = "dialogue_partner"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    GUEST = "guest"


class Decision(StrEnum):
    """The delegation's answer to a nomination."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class QuotaOutcome:
    """What a nomination did to a quota."""

    decision: Decision
    reason: str | None
    quota: int
    used: int


def decide(*, took_seat: bool, quota: int, used: int) -> QuotaOutcome:
    """Accepted when the atomic seat claim succeeded, else rejected as over quota."""
    if took_seat:
        return QuotaOutcome(Decision.ACCEPTED, None, quota, used)
    return QuotaOutcome(Decision.REJECTED, "quota_exceeded", quota, used)
