"""Delegations: registered for a meeting, changed, their quotas set, withdrawn."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from plenary_delegation.domain.commands import DelegationCreate, DelegationUpdate, QuotasUpdate
from plenary_delegation.domain.model import check_quotas, ensure_active, merge_limits
from plenary_delegation.service_layer.meetings import MeetingLookup, ensure_meeting_known
from plenary_delegation.service_layer.seats import promote
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    QuotasChanged,
)

if TYPE_CHECKING:
    from plenary_delegation.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork


async def register_delegation(
    uow: UnitOfWork[Repository],
    *,
    meeting_id: uuid.UUID,
    command: DelegationCreate,
    actor: str,
    ask_scheduling: MeetingLookup,
) -> uuid.UUID:
    """Register a delegation with its quotas; the meeting must exist."""
    await ensure_meeting_known(uow, meeting_id, ask_scheduling)
    delegation_id = command.id or uuid.uuid4()
    existing = await uow.repo.get_delegation(delegation_id)
    if existing is not None:
        if existing.meeting_id == meeting_id and existing.name == command.name:
            return delegation_id  # a retry of the same registration
        raise Conflict(f"delegation id {delegation_id} is already used by another delegation")
    category_quotas = {k.value: v for k, v in sorted(command.category_quotas.items())}
    session_seats = {k.value: v for k, v in sorted(command.session_seats.items())}
    values = command.model_dump(exclude={"id", "names", "category_quotas", "session_seats"})
    names = command.names.model_dump(exclude_none=True) if command.names else {}
    added = await uow.repo.add_delegation(
        id=delegation_id,
        meeting_id=meeting_id,
        created_by=actor,
        names=names,
        session_seats=session_seats,
        **values,
    )
    if not added:
        raise Conflict(
            f"a delegation of {command.country_code} is already registered for this meeting"
        )
    for category, quota in category_quotas.items():
        await uow.repo.set_category_quota(
            delegation_id=delegation_id, category=category, quota=quota
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


async def changeable(uow: UnitOfWork[Repository], delegation_id: uuid.UUID, *, lock: bool = False):
    """The delegation, which must exist and not have withdrawn."""
    get = uow.repo.lock_delegation if lock else uow.repo.get_delegation
    delegation = await get(delegation_id)
    if delegation is None:
        raise NotFound(f"delegation {delegation_id} does not exist")
    ensure_active(
        status=delegation.status, name=delegation.name, withdrawn_at=delegation.withdrawn_at
    )
    return delegation


async def update_delegation(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, command: DelegationUpdate
) -> None:
    """Change a delegation's names and head; only the fields sent change."""
    delegation = await changeable(uow, delegation_id, lock=True)
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
    await uow.repo.change_delegation(delegation_id, **values)
    uow.remember_result(delegation_id)
    await uow.commit()


async def change_quotas(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, command: QuotasUpdate
) -> None:
    """Change the total, category or session quotas; never below what is already accepted."""
    delegation = await changeable(uow, delegation_id, lock=True)
    counters = await uow.repo.lock_category_counters(delegation_id)
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
    await uow.repo.change_delegation(delegation_id, quota=quota, session_seats=session_seats)
    for category, limit in sorted(change.items()):
        await uow.repo.set_category_quota(
            delegation_id=delegation_id, category=category, quota=limit
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
    await promote(uow, delegation_id)
    await uow.commit()


async def set_waiting_list_default(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, by_default: bool
) -> None:
    """Set whether nominations over quota wait on the list when their focal point does not say."""
    await changeable(uow, delegation_id, lock=True)
    await uow.repo.change_delegation(delegation_id, waitlist_by_default=by_default)
    await uow.commit()


async def withdraw_delegation(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, reason: str, actor: str
) -> None:
    """Withdraw a delegation from its meeting; it accepts no more nominations."""
    delegation = await changeable(uow, delegation_id, lock=True)
    await uow.repo.withdraw_delegation(
        delegation_id, at=datetime.now(UTC), actor=actor, reason=reason
    )
    await uow.emit(
        DelegationWithdrawn(
            delegation_id=delegation_id, meeting_id=delegation.meeting_id, reason=reason
        ),
        subject=str(delegation_id),
    )
    await uow.commit()
