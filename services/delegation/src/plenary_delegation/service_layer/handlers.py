"""Delegation use cases: one function per command or consumed event."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import structlog
from prometheus_client import Counter
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from plenary_delegation.adapters import repository
from plenary_delegation.adapters.tables import delegations, focal_points, movements, nominations
from plenary_delegation.domain.model import (
    Decision,
    DelegationStatus,
    QuotaOutcome,
    accept_in_turn,
    check_movement,
    check_quotas,
    check_stay,
    decide,
    ensure_active,
    localise,
    merge_limits,
)
from plenary_delegation.entrypoints.api.schemas import (
    AccommodationPut,
    DelegationCreate,
    DelegationUpdate,
    FocalPointCreate,
    LiaisonPut,
    MovementCreate,
    QuotasUpdate,
)
from plenary_shared.consumer import NotYetKnown
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    FocalPointAssigned,
    FocalPointRevoked,
    NominationAccepted,
    NominationRejected,
    NominationWaitlisted,
    QuotasChanged,
)
from plenary_shared.events.registration import (
    AccreditationRefused,
    AccreditationRevoked,
    ApplicationRecategorised,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)
from plenary_shared.events.scheduling import MeetingCreated

log = structlog.get_logger(__name__)
DECIDED_TOGETHER = Counter(
    "plenary_delegation_nominations_decided_together",
    "Nominations accepted with others of a run in one set of statements (a catch-up, a burst)",
)

MeetingLookup = Callable[[uuid.UUID], Awaitable[dict | None]]


async def register_delegation(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    command: DelegationCreate,
    actor: str,
    ask_scheduling: MeetingLookup,
) -> uuid.UUID:
    """Register a delegation with its quotas; the meeting must exist."""
    await ensure_meeting_known(uow, meeting_id, ask_scheduling)
    delegation_id = command.id or uuid.uuid4()
    existing = await repository.get_delegation(uow.conn, delegation_id)
    if existing is not None:
        if existing.meeting_id == meeting_id and existing.name == command.name:
            return delegation_id  # a retry of the same registration
        raise Conflict(f"delegation id {delegation_id} is already used by another delegation")
    category_quotas = {k.value: v for k, v in sorted(command.category_quotas.items())}
    session_seats = {k.value: v for k, v in sorted(command.session_seats.items())}
    values = command.model_dump(exclude={"id", "names", "category_quotas", "session_seats"})
    names = command.names.model_dump(exclude_none=True) if command.names else {}
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                delegations.insert().values(
                    id=delegation_id,
                    meeting_id=meeting_id,
                    created_by=actor,
                    names=names,
                    session_seats=session_seats,
                    **values,
                )
            )
    except IntegrityError as exc:
        raise Conflict(
            f"a delegation of {command.country_code} is already registered for this meeting"
        ) from exc
    for category, quota in category_quotas.items():
        await repository.set_category_quota(
            uow.conn, delegation_id=delegation_id, category=category, quota=quota
        )
    await uow.emit(
        DelegationRegistered(
            delegation_id=delegation_id,
            meeting_id=meeting_id,
            name=command.name,
            country_code=command.country_code,
            kind=command.kind.value,
            quota=command.quota,
            category_quotas=category_quotas,
            session_seats=session_seats,
        ),
        subject=str(delegation_id),
    )
    await uow.commit()
    return delegation_id


async def ensure_meeting_known(
    uow: UnitOfWork, meeting_id: uuid.UUID, ask_scheduling: MeetingLookup
) -> None:
    """Use the projection, or ask scheduling before refusing an unknown meeting."""
    if await repository.get_meeting(uow.conn, meeting_id) is not None:
        return
    meeting = await ask_scheduling(meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist; create it in scheduling first")
    await repository.remember_meeting(
        uow.conn,
        id=meeting_id,
        title=meeting["title"],
        timezone=meeting["timezone"],
        starts_on=date.fromisoformat(meeting["starts_on"]),
        ends_on=date.fromisoformat(meeting["ends_on"]),
    )


async def _changeable(uow: UnitOfWork, delegation_id: uuid.UUID, *, lock: bool = False):
    """The delegation, which must exist and not have withdrawn."""
    get = repository.lock_delegation if lock else repository.get_delegation
    delegation = await get(uow.conn, delegation_id)
    if delegation is None:
        raise NotFound(f"delegation {delegation_id} does not exist")
    ensure_active(
        status=delegation.status, name=delegation.name, withdrawn_at=delegation.withdrawn_at
    )
    return delegation


async def update_delegation(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, command: DelegationUpdate
) -> None:
    """Change a delegation's names and head; only the fields sent change."""
    delegation = await _changeable(uow, delegation_id, lock=True)
    values = command.model_dump(include=command.model_fields_set - {"names"})
    if "names" in command.model_fields_set:
        change = command.names.model_dump(exclude_unset=True) if command.names else {}
        names = dict(delegation.names) if command.names else {}
        for lang, value in change.items():
            if value is None:
                names.pop(lang, None)
            else:
                names[lang] = value
        values["names"] = names
    await uow.conn.execute(
        update(delegations).where(delegations.c.id == delegation_id).values(**values)
    )
    uow.remember_result(delegation_id)
    await uow.commit()


async def change_quotas(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, command: QuotasUpdate
) -> None:
    """Change the total, category or session quotas; never below what is already accepted."""
    delegation = await _changeable(uow, delegation_id, lock=True)
    counters = await repository.lock_category_counters(uow.conn, delegation_id)
    change = {k.value: v for k, v in command.category_quotas.items()}
    current = {c: r.quota for c, r in counters.items() if r.quota is not None}
    check_quotas(
        quota=command.quota,
        used=delegation.quota_used,
        category_quotas={c: q for c, q in change.items() if q is not None},
        category_used={c: r.used for c, r in counters.items()},
    )
    quota = delegation.quota if command.quota is None else command.quota
    session_seats = merge_limits(
        delegation.session_seats, {k.value: v for k, v in command.session_seats.items()}
    )
    await uow.conn.execute(
        update(delegations)
        .where(delegations.c.id == delegation_id)
        .values(quota=quota, session_seats=session_seats)
    )
    for category, limit in sorted(change.items()):
        await repository.set_category_quota(
            uow.conn, delegation_id=delegation_id, category=category, quota=limit
        )
    await uow.emit(
        QuotasChanged(
            delegation_id=delegation_id,
            meeting_id=delegation.meeting_id,
            quota=quota,
            category_quotas=merge_limits(current, change),
            session_seats=session_seats,
        ),
        subject=str(delegation_id),
    )
    await _promote(uow, delegation_id)
    await uow.commit()


async def set_waiting_list_default(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, by_default: bool
) -> None:
    """Set whether nominations over quota wait on the list when their focal point does not say."""
    await _changeable(uow, delegation_id, lock=True)
    await uow.conn.execute(
        update(delegations)
        .where(delegations.c.id == delegation_id)
        .values(waitlist_by_default=by_default)
    )
    await uow.commit()


async def withdraw_delegation(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, reason: str, actor: str
) -> None:
    """Withdraw a delegation from its meeting; it accepts no more nominations."""
    delegation = await _changeable(uow, delegation_id, lock=True)
    await uow.conn.execute(
        update(delegations)
        .where(delegations.c.id == delegation_id)
        .values(
            status=DelegationStatus.WITHDRAWN.value,
            withdrawn_at=datetime.now(UTC),
            withdrawn_by=actor,
            withdrawal_reason=reason,
        )
    )
    await uow.emit(
        DelegationWithdrawn(
            delegation_id=delegation_id, meeting_id=delegation.meeting_id, reason=reason
        ),
        subject=str(delegation_id),
    )
    await uow.commit()


async def assign_focal_point(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, command: FocalPointCreate, actor: str
) -> uuid.UUID:
    """Make a person a focal point of a delegation; one e-mail once per delegation."""
    delegation = await _changeable(uow, delegation_id)
    email = str(command.email).lower()
    duplicate = Conflict(
        f"{email} is already a focal point of {delegation.name}; "
        "revoke that assignment first to assign it again"
    )
    if await repository.active_focal_point(uow.conn, delegation_id=delegation_id, email=email):
        raise duplicate
    focal_point_id = uuid.uuid4()
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                focal_points.insert().values(
                    id=focal_point_id,
                    delegation_id=delegation_id,
                    meeting_id=delegation.meeting_id,
                    email=email,
                    name=command.name,
                    language=command.language,
                    assigned_by=actor,
                )
            )
    except IntegrityError as exc:
        raise duplicate from exc
    await uow.emit(
        FocalPointAssigned(
            focal_point_id=focal_point_id,
            delegation_id=delegation_id,
            meeting_id=delegation.meeting_id,
            email=email,
            name=command.name,
            language=command.language,
        ),
        subject=str(focal_point_id),
    )
    await uow.commit()
    return focal_point_id


async def revoke_focal_point(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, focal_point_id: uuid.UUID, actor: str
) -> None:
    """End a person's assignment as focal point of a delegation."""
    revoked = await repository.revoke_focal_point(
        uow.conn, focal_point_id=focal_point_id, delegation_id=delegation_id, actor=actor
    )
    if revoked is None:
        raise NotFound(
            f"focal point {focal_point_id} is not a current focal point of delegation "
            f"{delegation_id}; list them at /v1/delegations/{delegation_id}/focal-points"
        )
    await uow.emit(
        FocalPointRevoked(
            focal_point_id=focal_point_id,
            delegation_id=delegation_id,
            meeting_id=revoked.meeting_id,
            email=revoked.email,
        ),
        subject=str(focal_point_id),
    )
    await uow.commit()


async def record_movement(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, command: MovementCreate, actor: str
) -> uuid.UUID:
    """Record an arrival or departure; a naive time is read in the venue's time zone."""
    delegation = await _changeable(uow, delegation_id)
    meeting = await repository.get_meeting(uow.conn, delegation.meeting_id)
    if meeting is None:
        raise NotFound(f"the meeting of delegation {delegation_id} is not known to this service")
    local = localise(command.scheduled_at, meeting.timezone)
    check_movement(
        mode=command.mode,
        number=command.number,
        local=local,
        starts_on=meeting.starts_on,
        ends_on=meeting.ends_on,
        timezone=meeting.timezone,
    )
    movement_id = uuid.uuid4()
    await uow.conn.execute(
        movements.insert().values(
            id=movement_id,
            delegation_id=delegation_id,
            meeting_id=delegation.meeting_id,
            created_by=actor,
            **command.model_dump(exclude={"scheduled_at"}),
            scheduled_at=local.astimezone(UTC),
        )
    )
    uow.remember_result(movement_id)
    await uow.commit()
    return movement_id


async def set_accommodation(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, command: AccommodationPut, actor: str
) -> None:
    """Set a delegation's hotel and room block."""
    await _changeable(uow, delegation_id)
    check_stay(check_in=command.check_in, check_out=command.check_out)
    await repository.put_accommodation(
        uow.conn, delegation_id=delegation_id, updated_by=actor, **command.model_dump()
    )
    uow.remember_result(delegation_id)
    await uow.commit()


async def set_liaison(
    uow: UnitOfWork, *, delegation_id: uuid.UUID, command: LiaisonPut, actor: str
) -> None:
    """Assign the organiser's liaison officer to a delegation."""
    await _changeable(uow, delegation_id)
    await repository.put_liaison(
        uow.conn, delegation_id=delegation_id, updated_by=actor, **command.model_dump()
    )
    uow.remember_result(delegation_id)
    await uow.commit()


async def on_meeting_created(uow: UnitOfWork, event: CloudEvent) -> None:
    """Learn of a meeting."""
    created = MeetingCreated.model_validate(event.data)
    await repository.remember_meeting(
        uow.conn,
        id=created.meeting_id,
        title=created.title,
        timezone=created.timezone,
        starts_on=created.starts_on,
        ends_on=created.ends_on,
    )


async def on_application_submitted(uow: UnitOfWork, event: CloudEvent) -> None:
    """Decide a nomination against the delegation's total and category quotas, atomically.

    A rejection carries the quota and use of the limit that refused it (the category's when
    the category was full, else the total).
    """
    submitted = ApplicationSubmitted.model_validate(event.data)
    await _decide_nomination(uow, submitted, waitlist=submitted.waitlist)


async def on_applications_submitted(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Nominations of distinct applications, decided in turn as one by one would: those that
    fit in turn (checked with their delegations locked) are accepted together in a few
    statements; from the first that does not, each is decided on its own."""
    submitted = [ApplicationSubmitted.model_validate(event.data) for event in events]
    outcomes = await _accepted_in_turn(uow, submitted) if len(events) >= MIN_TOGETHER else []
    together = len(outcomes) if len(outcomes) >= MIN_TOGETHER else 0
    if together:
        accepted = submitted[:together]
        await repository.take_seats(
            uow.conn, [(s.application_id, s.delegation_id, s.category) for s in accepted]
        )
        await repository.record_acceptances(
            uow.conn,
            [
                (s.application_id, s.delegation_id, s.meeting_id, s.category, s.waitlist)
                for s in accepted
            ],
        )
        uow.after_commit(lambda: DECIDED_TOGETHER.inc(together))
        for event, nomination, outcome in zip(events[:together], accepted, outcomes, strict=True):
            uow.caused_by(event)
            await uow.emit(
                NominationAccepted(
                    application_id=nomination.application_id,
                    delegation_id=nomination.delegation_id,
                    meeting_id=nomination.meeting_id,
                    category=nomination.category,
                    quota=outcome.quota,
                    used=outcome.used,
                ),
                subject=str(nomination.application_id),
            )
    for event, nomination in zip(events[together:], submitted[together:], strict=True):
        uow.caused_by(event)
        await _decide_nomination(uow, nomination, waitlist=nomination.waitlist)


# fewer nominations than this are decided one by one (two statements each; together, five)
MIN_TOGETHER = 4


async def _accepted_in_turn(uow: UnitOfWork, submitted: list) -> list[QuotaOutcome]:
    """The outcomes of the nominations that fit in turn, up to the first that does not or
    that was decided (or seated) already."""
    standing, categories = await repository.standing_of(
        uow.conn, (s.delegation_id for s in submitted)
    )
    outcomes = accept_in_turn(
        [(s.delegation_id, s.meeting_id, s.category) for s in submitted], standing, categories
    )
    known = await repository.decided_or_seated(
        uow.conn, [s.application_id for s in submitted[: len(outcomes)]]
    )
    for position, nomination in enumerate(submitted[: len(outcomes)]):
        if nomination.application_id in known:
            return outcomes[:position]
    return outcomes


async def on_application_recategorised(uow: UnitOfWork, event: CloudEvent) -> None:
    """A nominee changed category: its seat (or place in line) is given up and the quota decided
    again at once, with the focal point's first choice about the waiting list."""
    changed = ApplicationRecategorised.model_validate(event.data)
    released = await repository.release_seat(
        uow.conn, application_id=changed.application_id, reason="recategorised"
    )
    earlier = (
        await uow.conn.execute(
            nominations.delete()
            .where(nominations.c.application_id == changed.application_id)
            .returning(nominations.c.waitlist)
        )
    ).one_or_none()
    await _decide_nomination(uow, changed, waitlist=earlier.waitlist if earlier else None)
    if released is not None:
        await _promote(uow, released.delegation_id)


async def _decide_nomination(uow: UnitOfWork, submitted, *, waitlist: bool | None) -> None:
    claimed = await repository.claim_nomination_seat(
        uow.conn,
        delegation_id=submitted.delegation_id,
        meeting_id=submitted.meeting_id,
        application_id=submitted.application_id,
        category=submitted.category,
    )
    if claimed is not None:
        delegation, claim = claimed
    else:  # nothing was claimed: find out why
        delegation = await repository.delegation_deciding(
            uow.conn, submitted.delegation_id, submitted.application_id
        )
        if delegation is None:
            raise NotYetKnown(f"delegation {submitted.delegation_id} is not known yet")
        if delegation.decided:
            log.info("nomination already decided", application_id=str(submitted.application_id))
            return
        claim = None
        if delegation.meeting_id == submitted.meeting_id:
            claim = await repository.claim_seat(
                uow.conn,
                delegation_id=delegation.id,
                application_id=submitted.application_id,
                category=submitted.category,
            )
    if claim is None:
        outcome = QuotaOutcome(
            Decision.REJECTED, "wrong_meeting", delegation.quota, delegation.quota_used
        )
    else:
        outcome = decide(
            took_seat=claim.taken,
            withdrawn=claim.withdrawn,
            quota=claim.quota,
            used=claim.used,
            waitlist=delegation.waitlist_by_default if waitlist is None else waitlist,
        )
    waiting = outcome.decision is Decision.WAITLISTED
    await repository.record_nomination(
        uow.conn,
        application_id=submitted.application_id,
        delegation_id=delegation.id,
        meeting_id=submitted.meeting_id,
        category=submitted.category,
        decision=outcome.decision.value,
        reason=outcome.reason,
        waitlist=waitlist,
        waiting=waiting,
    )
    common = {
        "application_id": submitted.application_id,
        "delegation_id": delegation.id,
        "meeting_id": submitted.meeting_id,
        "category": submitted.category,
        "quota": outcome.quota,
        "used": outcome.used,
    }
    if outcome.decision is Decision.ACCEPTED:
        payload = NominationAccepted(**common)
    elif waiting:
        position = await repository.position_in_line(uow.conn, submitted.application_id)
        payload = NominationWaitlisted(**common, position=position or 1)
    else:
        payload = NominationRejected(**common, reason=outcome.reason)
    await uow.emit(payload, subject=str(submitted.application_id))


async def _promote(uow: UnitOfWork, delegation_id: uuid.UUID) -> int:
    """Give free seats to the waiting list, first come first served; returns how many.

    Runs after a seat was released or a quota raised, in that transaction: the delegation row
    is already locked by it, so two seats freed at once promote two different nominees. A
    waiting nominee whose category is full is passed over for the next whose category has room.
    """
    promoted, full = 0, set()
    for waiting in await repository.lock_waiting(uow.conn, delegation_id):
        if waiting.category in full:
            continue
        claim = await repository.claim_seat(
            uow.conn,
            delegation_id=delegation_id,
            application_id=waiting.application_id,
            category=waiting.category,
        )
        if not claim.taken:
            if not claim.category_full:
                break  # the total is used up (or the delegation withdrew): nobody else fits
            full.add(waiting.category)
            continue
        await uow.conn.execute(
            update(nominations)
            .where(nominations.c.application_id == waiting.application_id)
            .values(decision=Decision.ACCEPTED.value, reason=None, promoted_at=func.now())
        )
        await uow.emit(
            NominationAccepted(
                application_id=waiting.application_id,
                delegation_id=delegation_id,
                meeting_id=waiting.meeting_id,
                category=waiting.category,
                quota=claim.quota,
                used=claim.used,
                promoted=True,
            ),
            subject=str(waiting.application_id),
        )
        promoted += 1
    if promoted:
        log.info("promoted from the waiting list", delegation_id=str(delegation_id), count=promoted)
    return promoted


async def on_application_withdrawn(uow: UnitOfWork, event: CloudEvent) -> None:
    """Take a withdrawn nominee off the waiting list, or free its seat for the next in line."""
    withdrawn = ApplicationWithdrawn.model_validate(event.data)
    # off the list first: had a freed seat just been given to it, the seat is released below
    left = await repository.leave_waiting_list(uow.conn, withdrawn.application_id)
    if left is not None:
        log.info("left the waiting list", application_id=str(withdrawn.application_id))
    await _release(uow, withdrawn.application_id, reason="application_withdrawn")


async def on_accreditation_revoked(uow: UnitOfWork, event: CloudEvent) -> None:
    """Free the seat of a revoked accreditation's nomination, once, for the next in line."""
    revoked = AccreditationRevoked.model_validate(event.data)
    await _release(uow, revoked.application_id, reason="accreditation_revoked")


async def on_accreditation_refused(uow: UnitOfWork, event: CloudEvent) -> None:
    """Free the seat of a nominee the accreditation desk refused, once, for the next in line."""
    refused = AccreditationRefused.model_validate(event.data)
    await _release(uow, refused.application_id, reason="accreditation_refused")


async def _release(uow: UnitOfWork, application_id: uuid.UUID, *, reason: str) -> None:
    """Release a seat if one is held and give it to the waiting list; a second release (or none
    held) changes nothing."""
    seat = await repository.release_seat(uow.conn, application_id=application_id, reason=reason)
    log.info(
        "seat released" if seat else "no seat to release",
        application_id=str(application_id),
        reason=reason,
    )
    if seat is not None:
        await _promote(uow, seat.delegation_id)
