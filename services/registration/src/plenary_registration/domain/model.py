"""The accreditation workflow of an application: states, legal transitions and vetting, free of I/O."""

from __future__ import annotations

from enum import StrEnum

from plenary_shared.errors import Conflict, Invalid
from plenary_shared.vocabulary import Category  # noqa: F401 - re-exported


class State(StrEnum):
    """Where an application stands."""

    SUBMITTED = "submitted"
    WAITLISTED = "waitlisted"
    NOMINATED = "nominated"
    REJECTED = "rejected"
    ACCREDITED = "accredited"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


class Verdict(StrEnum):
    """The accreditation desk's decision."""

    GRANT = "grant"
    REFUSE = "refuse"


class Vetting(StrEnum):
    """The host's security vetting of a nominee, where the meeting requires it."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    CLEARED = "cleared"
    FLAGGED = "flagged"


class VettingOutcome(StrEnum):
    """What the security service answers."""

    CLEARED = "cleared"
    FLAGGED = "flagged"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.SUBMITTED: frozenset(
        {State.NOMINATED, State.WAITLISTED, State.REJECTED, State.WITHDRAWN}
    ),
    # a freed seat goes to the first in line; withdrawing leaves the line
    State.WAITLISTED: frozenset({State.NOMINATED, State.WITHDRAWN}),
    State.NOMINATED: frozenset({State.ACCREDITED, State.REFUSED, State.WITHDRAWN}),
    State.ACCREDITED: frozenset({State.REVOKED, State.WITHDRAWN}),
    State.REJECTED: frozenset(),
    State.REFUSED: frozenset(),
    State.WITHDRAWN: frozenset(),
    State.REVOKED: frozenset(),
}
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
EDITABLE = frozenset({State.SUBMITTED, State.WAITLISTED, State.NOMINATED})


def transition(current: State, target: State) -> State:
    """The new state, or a 409 that names the current state."""
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"the application is {current.value}; it cannot become {target.value}",
            current_state=current.value,
        )
    return target


def sources(target: State) -> frozenset[State]:
    """The states an application may leave for `target`."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


def verdict_target(verdict: Verdict, vetting: Vetting) -> State:
    """The state a desk decision leads to; granting waits for security vetting to clear."""
    if verdict is Verdict.REFUSE:
        return State.REFUSED
    if vetting is Vetting.PENDING:
        raise Conflict(
            "security vetting of this nominee is still pending; accreditation can be granted "
            "once the security service has cleared them",
            vetting=vetting.value,
        )
    if vetting is Vetting.FLAGGED:
        raise Conflict(
            "the security service flagged this nominee; the application can only be refused",
            vetting=vetting.value,
        )
    return State.ACCREDITED


def vet(current: State, vetting: Vetting, outcome: VettingOutcome) -> Vetting:
    """Record a vetting outcome: only for nominees whose vetting is pending."""
    if vetting is Vetting.NOT_REQUIRED:
        raise Conflict("this meeting does not require security vetting", vetting=vetting.value)
    if current is not State.NOMINATED or vetting is not Vetting.PENDING:
        raise Conflict(
            f"vetting is {vetting.value} and the application is {current.value}; only pending "
            "vetting of a nominated application can be recorded",
            current_state=current.value,
            vetting=vetting.value,
        )
    return Vetting(outcome.value)


def initial_vetting(*, meeting_requires_vetting: bool) -> Vetting:
    """Vetting starts pending where the meeting requires it."""
    return Vetting.PENDING if meeting_requires_vetting else Vetting.NOT_REQUIRED


def ensure_editable(current: State) -> None:
    """Personal details may change until the desk has decided."""
    if current not in EDITABLE:
        raise Conflict(
            f"the application is {current.value}; details can be edited only before the "
            "accreditation decision",
            current_state=current.value,
        )


def mask(secret: str) -> str:
    """Show only the last two characters of a document number."""
    return "•" * max(len(secret) - 2, 0) + secret[-2:]


LETTER_STATES = frozenset({State.NOMINATED, State.ACCREDITED})


def ensure_letter_state(current: State) -> None:
    """A visa support letter is issued once the participant is nominated or accredited."""
    if current not in LETTER_STATES:
        raise Conflict(
            f"the application is {current.value}; a visa support letter is issued only once the "
            "participant is nominated or accredited",
            current_state=current.value,
        )


def ensure_vetting_note(outcome: VettingOutcome, note: str | None) -> None:
    """Flagging a nominee needs a note."""
    if outcome is VettingOutcome.FLAGGED and not note:
        raise Invalid("a note is required when flagging a nominee")


def ensure_refusal_reason(verdict: Verdict, reason: str | None) -> None:
    """Refusing accreditation needs a reason."""
    if verdict is Verdict.REFUSE and not reason:
        raise Invalid("a reason is required when refusing accreditation")


def answer_applies(current: State, category: str, *, answered_category: str) -> bool:
    """A delegation's answer to a nomination no longer applies once the application was
    withdrawn, or when its category changed since (the answer for the new category follows)."""
    return current is not State.WITHDRAWN and category == answered_category
