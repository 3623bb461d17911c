"""Registration use cases: one function per command or consumed event."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError

from plenary_registration.adapters import repository
from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.adapters.tables import application_history, applications
from plenary_registration.domain.model import (
    FINAL,
    State,
    Verdict,
    Vetting,
    VettingOutcome,
    ensure_editable,
    initial_vetting,
    sources,
    transition,
    verdict_target,
    vet,
)
from plenary_registration.entrypoints.api.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    DecisionCreate,
    VettingCreate,
)
from plenary_registration.service_layer.badges import VoidReason, void_badges
from plenary_shared.authz import Grant
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events import EventPayload
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    NominationAccepted,
    NominationRejected,
    NominationWaitlisted,
)
from plenary_shared.events.registration import (
    AccreditationGranted,
    AccreditationRefused,
    AccreditationRevoked,
    ApplicationNominated,
    ApplicationRecategorised,
    ApplicationRejected,
    ApplicationSubmitted,
    ApplicationWaitlisted,
    ApplicationWithdrawn,
    VettingCleared,
    VettingFlagged,
)
from plenary_shared.events.scheduling import MeetingCreated

log = structlog.get_logger(__name__)

Lookup = Callable[[uuid.UUID], Awaitable[dict | None]]
SYSTEM = "system:delegation"
PERSON = ("given_name", "family_name", "email", "category", "nationality")
DETAILS = (
    "given_name_native",
    "family_name_native",
    "position",
    "phone",
    "dietary",
    "accessibility",
    "language",
)


async def submit_application(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    command: ApplicationCreate,
    grant: Grant,
    cipher: DocumentCipher,
    ask_delegation: Lookup,
    ask_scheduling: Lookup,
) -> Row:
    """Record a nomination and ask the delegation to check it against its quota."""
    application = await record_submission(
        uow,
        meeting_id=meeting_id,
        command=command,
        grant=grant,
        cipher=cipher,
        ask_delegation=ask_delegation,
        ask_scheduling=ask_scheduling,
    )
    await uow.commit()
    return application


async def record_submission(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    command: ApplicationCreate,
    grant: Grant,
    cipher: DocumentCipher,
    ask_delegation: Lookup,
    ask_scheduling: Lookup,
) -> Row:
    """The nomination's rows and event, without committing (bulk imports commit in batches)."""
    delegation_id = _nominating_delegation(command, grant)
    actor = grant.principal.subject
    meeting = await repository.meeting_with_delegation(uow.conn, meeting_id, delegation_id)
    if meeting is None or meeting.delegation_meeting_id is None:  # asks the owners
        await ensure_delegation_in_meeting(uow, delegation_id, meeting_id, ask_delegation)
        meeting = await known_meeting(uow, meeting_id, ask_scheduling)
    elif meeting.delegation_meeting_id != meeting_id:
        raise _not_in_meeting(delegation_id, meeting_id)
    application_id = uuid.uuid4()
    person = command.model_dump(include=set(PERSON))
    # the application as stored, for the answer (no second read after the commit); a
    # conflict on (meeting, e-mail) inserts nothing
    row = await repository.add_application(
        uow.conn,
        actor=actor,
        id=application_id,
        meeting_id=meeting_id,
        delegation_id=delegation_id,
        passport_number_enc=cipher.encrypt(command.passport_number),
        date_of_birth_enc=cipher.encrypt(command.date_of_birth.isoformat()),
        passport_expiry_enc=_encrypt_date(cipher, command.passport_expiry),
        state=State.SUBMITTED.value,
        vetting=initial_vetting(meeting_requires_vetting=meeting.requires_vetting).value,
        submitted_by=actor,
        **person,
        **command.model_dump(include=set(DETAILS)),
    )
    if row is None:
        raise Conflict(
            f"{command.email} already has an application for this meeting; "
            "edit or withdraw that one instead"
        )
    await uow.emit(
        ApplicationSubmitted(
            application_id=application_id,
            meeting_id=meeting_id,
            delegation_id=delegation_id,
            waitlist=command.waitlist,
            **person,
        ),
        subject=str(application_id),
    )
    return row


def _encrypt_date(cipher: DocumentCipher, value: date | None) -> bytes | None:
    return None if value is None else cipher.encrypt(value.isoformat())


def _nominating_delegation(command: ApplicationCreate, grant: Grant) -> uuid.UUID:
    if grant.everything:
        if command.delegation_id is None:
            raise Invalid("delegation_id is required when organiser staff nominate")
        return command.delegation_id
    own = grant.only_delegation
    if own is None or not grant.reaches(own):
        raise Forbidden("only focal points and organiser staff may nominate participants")
    if command.delegation_id not in (None, own):
        raise Forbidden("a focal point may nominate only for its own delegation")
    return own


async def ensure_delegation_in_meeting(
    uow: UnitOfWork, delegation_id: uuid.UUID, meeting_id: uuid.UUID, ask: Lookup
) -> None:
    """The delegation must be registered for the meeting (asking its owner if not yet known)."""
    known = await repository.get_delegation(uow.conn, delegation_id)
    if known is None:
        fetched = await ask(delegation_id)
        if fetched is not None:
            await repository.remember_delegation(
                uow.conn,
                id=delegation_id,
                meeting_id=uuid.UUID(fetched["meeting_id"]),
                name=fetched["name"],
            )
            known = await repository.get_delegation(uow.conn, delegation_id)
    if known is None or known.meeting_id != meeting_id:
        raise _not_in_meeting(delegation_id, meeting_id)


def _not_in_meeting(delegation_id: uuid.UUID, meeting_id: uuid.UUID) -> Invalid:
    return Invalid(
        f"delegation {delegation_id} is not registered for meeting {meeting_id}; "
        "check both ids or register the delegation first"
    )


async def known_meeting(uow: UnitOfWork, meeting_id: uuid.UUID, ask: Lookup):
    """The meeting from the projection, or from scheduling when it is not known yet."""
    known = await repository.get_meeting(uow.conn, meeting_id)
    if known is None:
        fetched = await ask(meeting_id)
        if fetched is None:
            raise Invalid(f"meeting {meeting_id} does not exist")
        await repository.remember_meeting(
            uow.conn,
            id=meeting_id,
            title=fetched["title"],
            timezone=fetched["timezone"],
            ends_on=date.fromisoformat(fetched["ends_on"]),
            requires_vetting=fetched.get("requires_vetting", False),
        )
        known = await repository.get_meeting(uow.conn, meeting_id)
    return known


async def update_application(
    uow: UnitOfWork,
    *,
    application_id: uuid.UUID,
    command: ApplicationUpdate,
    grant: Grant,
    cipher: DocumentCipher,
) -> None:
    """Correct details before the accreditation decision; validation runs again on what is sent."""
    row = await _visible_for_update(uow, application_id, grant)
    actor = grant.principal.subject
    ensure_editable(State(row.state))
    changes = command.model_dump(exclude_unset=True)
    category = changes.pop("category", None)
    recategorised = category is not None and category != row.category
    if recategorised:
        # the delegation decides the quota again; until then the application is submitted
        changes["category"] = category
        changes["state"] = State.SUBMITTED.value
    if not changes:
        raise Invalid("send at least one field to change")
    for field, column in (
        ("passport_number", "passport_number_enc"),
        ("date_of_birth", "date_of_birth_enc"),
        ("passport_expiry", "passport_expiry_enc"),
    ):
        if field in changes:
            value = changes.pop(field)
            changes[column] = cipher.encrypt(value if isinstance(value, str) else value.isoformat())
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                applications.update()
                .where(applications.c.id == application_id)
                .values(**changes, updated_at=datetime.now(UTC))
            )
    except IntegrityError as exc:
        raise Conflict(f"{command.email} already has an application for this meeting") from exc
    fields = ", ".join(sorted(k.removesuffix("_enc") for k in changes if k != "state"))
    state = State(row.state)
    await _record(uow, application_id, state, state, actor, f"details updated: {fields}")
    if recategorised:
        reason = f"category changed from {row.category} to {category}: the quota is checked again"
        await _record(uow, application_id, state, State.SUBMITTED, actor, reason)
        updated = await repository.get_application(uow.conn, application_id)
        await uow.emit(
            ApplicationRecategorised(**_participant(updated), previous_category=row.category),
            subject=str(application_id),
        )
    await uow.commit()


async def withdraw(
    uow: UnitOfWork, *, application_id: uuid.UUID, reason: str, grant: Grant
) -> None:
    """The focal point (or organiser) withdraws an application at any stage before it is final."""
    row = await _visible_for_update(uow, application_id, grant)
    await _withdraw(uow, row, reason=reason, actor=grant.principal.subject)
    await uow.commit()


async def _withdraw(uow: UnitOfWork, row, *, reason: str, actor: str) -> None:
    previous = State(row.state)
    await _move(uow, row, transition(previous, State.WITHDRAWN), actor, reason)
    await uow.emit(
        ApplicationWithdrawn(**_participant(row), previous_state=previous.value, reason=reason),
        subject=str(row.id),
    )
    await void_badges(uow, application_id=row.id, reason=VoidReason.WITHDRAWN)


async def revoke(uow: UnitOfWork, *, application_id: uuid.UUID, reason: str, actor: str) -> None:
    """The organiser revokes an accreditation; its badge is void and stops admitting."""
    row = await _for_update(uow, application_id)
    await _move(uow, row, transition(State(row.state), State.REVOKED), actor, reason)
    await uow.emit(AccreditationRevoked(**_participant(row), reason=reason), subject=str(row.id))
    await void_badges(uow, application_id=row.id, reason=VoidReason.REVOKED)
    await uow.commit()


async def record_vetting(
    uow: UnitOfWork, *, application_id: uuid.UUID, command: VettingCreate, actor: str
) -> None:
    """The host's security service clears or flags a nominee."""
    if command.outcome is VettingOutcome.FLAGGED and not command.note:
        raise Invalid("a note is required when flagging a nominee")
    row = await _for_update(uow, application_id)
    outcome = vet(State(row.state), Vetting(row.vetting), command.outcome)
    await uow.conn.execute(
        applications.update()
        .where(applications.c.id == row.id)
        .values(vetting=outcome.value, vetting_note=command.note, updated_at=datetime.now(UTC))
    )
    state = State(row.state)
    await _record(uow, row.id, state, state, actor, f"security vetting {outcome.value}")
    if outcome is Vetting.CLEARED:
        await uow.emit(VettingCleared(**_participant(row)), subject=str(row.id))
    else:
        await uow.emit(
            VettingFlagged(**_participant(row), note=command.note or ""), subject=str(row.id)
        )
    await uow.commit()


async def decide(
    uow: UnitOfWork, *, application_id: uuid.UUID, command: DecisionCreate, actor: str
) -> None:
    """The accreditation desk grants or refuses a nominated application."""
    if command.decision is Verdict.REFUSE and not command.reason:
        raise Invalid("a reason is required when refusing accreditation")
    row = await _for_update(uow, application_id)
    target = transition(State(row.state), verdict_target(command.decision, Vetting(row.vetting)))
    await _move(uow, row, target, actor, command.reason)
    participant = _participant(row)
    if target is State.ACCREDITED:
        await uow.emit(AccreditationGranted(**participant), subject=str(application_id))
    else:
        await uow.emit(
            AccreditationRefused(**participant, reason=command.reason or ""),
            subject=str(application_id),
        )
    await uow.commit()


async def on_meeting_created(uow: UnitOfWork, event: CloudEvent) -> None:
    """Learn of a meeting: its time zone, last day and whether nominees need vetting."""
    created = MeetingCreated.model_validate(event.data)
    await repository.remember_meeting(
        uow.conn,
        id=created.meeting_id,
        title=created.title,
        timezone=created.timezone,
        ends_on=created.ends_on,
        requires_vetting=created.requires_vetting,
    )


async def on_delegation_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    """Learn of a delegation."""
    registered = DelegationRegistered.model_validate(event.data)
    await repository.remember_delegation(
        uow.conn,
        id=registered.delegation_id,
        meeting_id=registered.meeting_id,
        name=registered.name,
    )


async def on_delegation_withdrawn(uow: UnitOfWork, event: CloudEvent) -> None:
    """A delegation withdrew: every application of it that is not final is withdrawn."""
    withdrawn = DelegationWithdrawn.model_validate(event.data)
    reason = f"delegation withdrawn: {withdrawn.reason}"
    for row in await repository.open_applications(uow.conn, withdrawn.delegation_id, exclude=FINAL):
        await _withdraw(uow, row, reason=reason, actor="system:delegation")


async def on_nomination_accepted(uow: UnitOfWork, event: CloudEvent) -> None:
    """The delegation accepted: the application is nominated (unless withdrawn meanwhile)."""
    await on_nominations_accepted(uow, [event])


async def on_nominations_accepted(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Acceptances of distinct applications, moved in one statement."""
    accepted = [NominationAccepted.model_validate(e.data) for e in events]
    await _answered(
        uow,
        events,
        accepted,
        ["promoted from the waiting list" if a.promoted else None for a in accepted],
        State.NOMINATED,
        lambda row, a: ApplicationNominated(**_participant(row), promoted=a.promoted),
    )


async def on_nomination_waitlisted(uow: UnitOfWork, event: CloudEvent) -> None:
    """The quota was full: the application waits on the delegation's list for a seat."""
    await on_nominations_waitlisted(uow, [event])


async def on_nominations_waitlisted(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Applications put on waiting lists, moved in one statement."""
    waiting = [NominationWaitlisted.model_validate(e.data) for e in events]
    await _answered(
        uow,
        events,
        waiting,
        [f"waiting list position {w.position}" for w in waiting],
        State.WAITLISTED,
        lambda row, w: ApplicationWaitlisted(**_participant(row), position=w.position),
    )


async def on_nomination_rejected(uow: UnitOfWork, event: CloudEvent) -> None:
    """The delegation rejected: the application is rejected with its reason."""
    await on_nominations_rejected(uow, [event])


async def on_nominations_rejected(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Rejections of distinct applications, moved in one statement."""
    rejected = [NominationRejected.model_validate(e.data) for e in events]
    await _answered(
        uow,
        events,
        rejected,
        [r.reason for r in rejected],
        State.REJECTED,
        lambda row, r: ApplicationRejected(**_participant(row), reason=r.reason),
    )


async def _answered(
    uow: UnitOfWork,
    events: list[CloudEvent],
    answers: list,
    reasons: list[str | None],
    target: State,
    announce: Callable[[Any, Any], EventPayload],
) -> None:
    """Each answered application (distinct) moved to `target` and announced, unless the answer
    no longer applies. The usual case is one statement for all; an application not awaiting its
    answer is read to tell why."""
    moved = await repository.move_many(
        uow.conn,
        [(a.application_id, a.category, why) for a, why in zip(answers, reasons, strict=True)],
        sources=sorted(s.value for s in sources(target)),
        new=target.value,
        actor=SYSTEM,
    )
    by_id = {row.id: row for row in moved}
    for event, answer, why in zip(events, answers, reasons, strict=True):
        row = by_id.get(answer.application_id)
        if row is None:
            row = await _application_for_decision(uow, answer.application_id, answer.category)
            if row is None:
                continue
            await _move(uow, row, transition(State(row.state), target), SYSTEM, why)
        uow.caused_by(event)
        await uow.emit(announce(row, answer), subject=str(row.id))


async def _application_for_decision(uow: UnitOfWork, application_id: uuid.UUID, category: str):
    """The application awaiting this answer; None when the answer no longer applies.

    It no longer applies once the application was withdrawn, or when its category changed since
    (the delegation's answer for the new category follows).
    """
    row = await repository.get_application(uow.conn, application_id, for_update=True)
    if row is None:
        raise LookupError(f"application {application_id} does not exist here")
    if row.state == State.WITHDRAWN.value or row.category != category:
        log.info("stale nomination decision ignored", application_id=str(application_id))
        return None
    return row


async def _for_update(uow: UnitOfWork, application_id: uuid.UUID):
    row = await repository.get_application(uow.conn, application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {application_id} does not exist")
    return row


async def _visible_for_update(uow: UnitOfWork, application_id: uuid.UUID, grant: Grant):
    row = await repository.get_application(uow.conn, application_id, for_update=True)
    if row is None or not grant.reaches(row.delegation_id):
        raise NotFound(f"application {application_id} does not exist")
    return row


async def _move(uow: UnitOfWork, row, target: State, actor: str, reason: str | None) -> None:
    await repository.move_application(
        uow.conn, row.id, old=row.state, new=target.value, actor=actor, reason=reason
    )


async def _record(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    old: State | None,
    new: State,
    actor: str,
    reason: str | None,
) -> None:
    await uow.conn.execute(
        application_history.insert().values(
            application_id=application_id,
            from_state=old.value if old else None,
            to_state=new.value,
            actor=actor,
            reason=reason,
        )
    )


def _participant(row) -> dict:
    return {
        "application_id": row.id,
        "meeting_id": row.meeting_id,
        "delegation_id": row.delegation_id,
        "category": row.category,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "email": row.email,
        "language": row.language,
    }
