"""The accreditation workflow of an application: states and legal transitions, free of I/O."""

from __future__ import annotations

from enum import StrEnum

from plenary_shared.errors import Conflict


class Category(StrEnum):
    """Participant categories a delegation accredits."""

    DELEGATE = "delegate"
    ADVISER = "adviser"
    SECURITY = "security"
    MEDIA = "media"
    SUPPORT = "support"


class State(StrEnum):
    """Where an application stands."""

    SUBMITTED = "submitted"
    NOMINATED = "nominated"
    REJECTED = "rejected"
    ACCREDITED = "accredited"
    REFUSED = "refused"


class Verdict(StrEnum):
    """The accreditation desk's decision."""

    GRANT = "grant"
    REFUSE = "refuse"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.SUBMITTED: frozenset({State.NOMINATED, State.REJECTED}),
    State.NOMINATED: frozenset({State.ACCREDITED, State.REFUSED}),
    State.REJECTED: frozenset(),
    State.ACCREDITED: frozenset(),
    State.REFUSED: frozenset(),
}


def transition(current: State, target: State) -> State:
    """The new state, or a 409 that names the current state."""
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"the application is {current.value}; it cannot become {target.value}",
            current_state=current.value,
        )
    return target


def verdict_target(verdict: Verdict) -> State:
    """The state a desk decision leads to."""
    return State.ACCREDITED if verdict is Verdict.GRANT else State.REFUSED


def mask(secret: str) -> str:
    """Show only the last two characters of a document number."""
    return "•" * max(len(secret) - 2, 0) + secret[-2:]
