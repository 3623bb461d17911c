"""Applications: nominating a participant, correcting details, the photo, the visa letter's
record, withdrawing; and the meetings and delegations registration learns of."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.domain.badges import VoidReason
from plenary_registration.domain.commands import ApplicationCreate, ApplicationUpdate
from plenary_registration.domain.model import (
    State,
    ensure_editable,
    ensure_letter_state,
    initial_vetting,
    transition,
)
from plenary_registration.service_layer.badges import void_badges
from plenary_shared.authz import Grant
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from plenary_shared.events.delegation import DelegationRegistered
from plenary_shared.events.registration import (
    ApplicationRecategorised,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    PhotoUploaded,
    VisaLetterIssued,
)
from plenary_shared.events.scheduling import MeetingCreated

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

Lookup = Callable[[uuid.UUID], Awaitable[dict | None]]
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
    uow: UnitOfWork[Repository],
    *,
    meeting_id: uuid.UUID,
    command: ApplicationCreate,
    grant: Grant,
    cipher: DocumentCipher,
    ask_delegation: Lookup,
    ask_scheduling: Lookup,
) -> Any:
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
    uow: UnitOfWork[Repository],
    *,
    meeting_id: uuid.UUID,
    command: ApplicationCreate,
    grant: Grant,
    cipher: DocumentCipher,
    ask_delegation: Lookup,
    ask_scheduling: Lookup,
) -> Any:
    """The nomination's rows and event, without committing (bulk imports commit in batches)."""
    delegation_id = _nominating_delegation(command, grant)
    actor = grant.principal.subject
    meeting = await uow.repo.meeting_with_delegation(meeting_id, delegation_id)
    if meeting is None or meeting.delegation_meeting_id is None:  # asks the owners
        await ensure_delegation_in_meeting(uow, delegation_id, meeting_id, ask_delegation)
        meeting = await known_meeting(uow, meeting_id, ask_scheduling)
    elif meeting.delegation_meeting_id != meeting_id:
        raise _not_in_meeting(delegation_id, meeting_id)
    application_id = uuid.uuid4()
    person = command.model_dump(include=set(PERSON))
    # the application as stored, for the answer (no second read after the commit); a
    # conflict on (meeting, e-mail) inserts nothing
    row = await uow.repo.add_application(
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
    uow: UnitOfWork[Repository], delegation_id: uuid.UUID, meeting_id: uuid.UUID, ask: Lookup
) -> None:
    """The delegation must be registered for the meeting (asking its owner if not yet known)."""
    known = await uow.repo.delegation(delegation_id)
    if known is None:
        fetched = await ask(delegation_id)
        if fetched is not None:
            await uow.repo.remember_delegation(
                id=delegation_id,
                meeting_id=uuid.UUID(fetched["meeting_id"]),
                name=fetched["name"],
            )
            known = await uow.repo.delegation(delegation_id)
    if known is None or known.meeting_id != meeting_id:
        raise _not_in_meeting(delegation_id, meeting_id)


def _not_in_meeting(delegation_id: uuid.UUID, meeting_id: uuid.UUID) -> Invalid:
    return Invalid(
        f"delegation {delegation_id} is not registered for meeting {meeting_id}; "
        "check both ids or register the delegation first"
    )


async def known_meeting(uow: UnitOfWork[Repository], meeting_id: uuid.UUID, ask: Lookup):
    """The meeting from the projection, or from scheduling when it is not known yet."""
    known = await uow.repo.meeting(meeting_id)
    if known is None:
        fetched = await ask(meeting_id)
        if fetched is None:
            raise Invalid(f"meeting {meeting_id} does not exist")
        await uow.repo.remember_meeting(
            id=meeting_id,
            title=fetched["title"],
            timezone=fetched["timezone"],
            ends_on=date.fromisoformat(fetched["ends_on"]),
            requires_vetting=fetched.get("requires_vetting", False),
        )
        known = await uow.repo.meeting(meeting_id)
    return known


async def update_application(
    uow: UnitOfWork[Repository],
    *,
    application_id: uuid.UUID,
    command: ApplicationUpdate,
    grant: Grant,
    cipher: DocumentCipher,
) -> None:
    """Correct details before the accreditation decision; validation runs again on what is sent."""
    row = await visible_for_update(uow, application_id, grant)
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
    if not await uow.repo.change_application(application_id, changes):
        raise Conflict(f"{command.email} already has an application for this meeting")
    fields = ", ".join(sorted(k.removesuffix("_enc") for k in changes if k != "state"))
    state = State(row.state)
    await record(uow, application_id, state, state, actor, f"details updated: {fields}")
    if recategorised:
        reason = f"category changed from {row.category} to {category}: the quota is checked again"
        await record(uow, application_id, state, State.SUBMITTED, actor, reason)
        updated = await uow.repo.application(application_id)
        await uow.emit(
            ApplicationRecategorised(**participant(updated), previous_category=row.category),
            subject=str(application_id),
        )
    await uow.commit()


async def upload_photo(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, data: bytes, kind: str, actor: str
) -> None:
    """Store a passport-style photo (already checked: JPEG or PNG, small enough), replacing any
    earlier one, while details may still change; the history and an event say so (never the
    photo itself)."""
    row = await for_update(uow, application_id)
    state = State(row.state)
    ensure_editable(state)
    await uow.repo.set_photo(application_id, data=data, kind=kind)
    await record(uow, application_id, state, state, actor, "photo uploaded")
    await uow.emit(
        PhotoUploaded(
            application_id=application_id,
            meeting_id=row.meeting_id,
            delegation_id=row.delegation_id,
            photo_type=kind,
        ),
        subject=str(application_id),
    )
    uow.remember_result(application_id)
    await uow.commit()


async def record_visa_letter(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, reference: str, actor: str
) -> None:
    """A visa support letter was issued: recorded in the history, provided the application still
    allows one (nominated or accredited, document data not purged)."""
    current = await for_update(uow, application_id)
    state = State(current.state)
    ensure_letter_state(state)
    if current.documents_purged_at is not None:
        raise Gone("the document data was purged while the letter was being prepared")
    await record(
        uow, application_id, state, state, actor, f"visa support letter issued {reference}"
    )
    await uow.emit(
        VisaLetterIssued(
            application_id=application_id,
            meeting_id=current.meeting_id,
            delegation_id=current.delegation_id,
            reference=reference,
        ),
        subject=str(application_id),
    )
    await uow.commit()


async def withdraw(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, reason: str, grant: Grant
) -> None:
    """The focal point (or organiser) withdraws an application at any stage before it is final."""
    row = await visible_for_update(uow, application_id, grant)
    await withdraw_row(uow, row, reason=reason, actor=grant.principal.subject)
    await uow.commit()


async def withdraw_row(uow: UnitOfWork[Repository], row, *, reason: str, actor: str) -> None:
    """Withdraw a locked application, announce it, and void its badges."""
    previous = State(row.state)
    await move(uow, row, transition(previous, State.WITHDRAWN), actor, reason)
    await uow.emit(
        ApplicationWithdrawn(**participant(row), previous_state=previous.value, reason=reason),
        subject=str(row.id),
    )
    await void_badges(uow, application_id=row.id, reason=VoidReason.WITHDRAWN)


async def on_meeting_created(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Learn of a meeting: its time zone, last day and whether nominees need vetting."""
    created = MeetingCreated.model_validate(event.data)
    await uow.repo.remember_meeting(
        id=created.meeting_id,
        title=created.title,
        timezone=created.timezone,
        ends_on=created.ends_on,
        requires_vetting=created.requires_vetting,
    )


async def on_delegation_registered(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Learn of a delegation."""
    registered = DelegationRegistered.model_validate(event.data)
    await uow.repo.remember_delegation(
        id=registered.delegation_id,
        meeting_id=registered.meeting_id,
        name=registered.name,
    )


# --- shared by the application use cases --------------------------------------------------------


async def for_update(uow: UnitOfWork[Repository], application_id: uuid.UUID):
    """The application, locked; NotFound if there is none."""
    row = await uow.repo.application(application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {application_id} does not exist")
    return row


async def visible_for_update(uow: UnitOfWork[Repository], application_id: uuid.UUID, grant: Grant):
    """The application, locked, if the grant reaches its delegation; NotFound otherwise."""
    row = await uow.repo.application(application_id, for_update=True)
    if row is None or not grant.reaches(row.delegation_id):
        raise NotFound(f"application {application_id} does not exist")
    return row


async def move(
    uow: UnitOfWork[Repository], row, target: State, actor: str, reason: str | None
) -> None:
    """Move an application to a state, with its history line."""
    await uow.repo.move_application(
        row.id, old=row.state, new=target.value, actor=actor, reason=reason
    )


async def record(
    uow: UnitOfWork[Repository],
    application_id: uuid.UUID,
    old: State | None,
    new: State,
    actor: str,
    reason: str | None,
) -> None:
    """A history line of an application."""
    await uow.repo.add_history(
        application_id, old=old.value if old else None, new=new.value, actor=actor, reason=reason
    )


def participant(row) -> dict:
    """Who an application is about, as the participant events carry it."""
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
