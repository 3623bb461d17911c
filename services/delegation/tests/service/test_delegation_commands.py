"""Delegation commands against a fake repository: registration, changes, quotas, withdrawal,
focal points and logistics (no database, no broker)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from plenary_delegation.domain.commands import (
    AccommodationPut,
    DelegationCreate,
    DelegationUpdate,
    FocalPointCreate,
    MovementCreate,
    QuotasUpdate,
)
from plenary_delegation.service_layer import delegations, focal_points, logistics, nominations
from plenary_shared.errors import Conflict, Invalid, NotFound
from plenary_shared.events.registration import ApplicationSubmitted

REGISTERED = "delegation.delegation.registered"
QUOTAS_CHANGED = "delegation.quotas.changed"
ACCEPTED = "delegation.nomination.accepted"


async def _no_scheduling(meeting_id):
    raise AssertionError("the meeting is known: scheduling is not asked")


def _create(**values) -> DelegationCreate:
    return DelegationCreate.model_validate(
        {"name": "Kazakhstan", "country_code": "KAZ", "kind": "member", "quota": 5, **values}
    )


async def test_registering_stores_the_delegation_and_its_quotas_and_announces_it(repo, uow):
    meeting = repo.given_meeting()
    command = _create(category_quotas={"media": 2, "adviser": 3}, session_seats={"restricted": 4})

    delegation_id = await delegations.register_delegation(
        uow, meeting_id=meeting.id, command=command, actor="org", ask_scheduling=_no_scheduling
    )

    row = repo.delegations[delegation_id]
    assert (row.meeting_id, row.name, row.quota, row.created_by) == (
        meeting.id,
        "Kazakhstan",
        5,
        "org",
    )
    assert {c: r.quota for (_, c), r in repo.counters.items()} == {"adviser": 3, "media": 2}
    assert uow.events(REGISTERED) == [
        {
            "delegation_id": str(delegation_id),
            "meeting_id": str(meeting.id),
            "name": "Kazakhstan",
            "country_code": "KAZ",
            "kind": "member",
            "quota": 5,
            "category_quotas": {"adviser": 3, "media": 2},
            "session_seats": {"restricted": 4},
        }
    ]
    assert uow.commits == 1


async def test_a_retried_registration_changes_nothing_and_a_reused_id_is_refused(repo, uow):
    meeting = repo.given_meeting()
    delegation_id = uuid.uuid4()
    register = {"meeting_id": meeting.id, "actor": "org", "ask_scheduling": _no_scheduling}
    await delegations.register_delegation(uow, command=_create(id=delegation_id), **register)

    again = await delegations.register_delegation(
        uow, command=_create(id=delegation_id), **register
    )
    assert again == delegation_id
    with pytest.raises(Conflict, match="already used by another delegation"):
        await delegations.register_delegation(
            uow, command=_create(id=delegation_id, name="Kyrgyzstan"), **register
        )
    assert len(uow.events(REGISTERED)) == 1
    assert len(repo.delegations) == 1


async def test_a_country_registers_once_per_meeting(repo, uow):
    meeting = repo.given_meeting()
    register = {"meeting_id": meeting.id, "actor": "org", "ask_scheduling": _no_scheduling}
    await delegations.register_delegation(uow, command=_create(), **register)

    with pytest.raises(Conflict, match="a delegation of KAZ is already registered"):
        await delegations.register_delegation(uow, command=_create(name="Qazaqstan"), **register)
    assert len(uow.events(REGISTERED)) == 1
    assert uow.commits == 1


async def test_an_unknown_meeting_is_asked_of_scheduling_then_refused_or_remembered(repo, uow):
    meeting_id = uuid.uuid4()
    asked = []

    async def nowhere(mid):
        asked.append(mid)
        return None

    with pytest.raises(NotFound, match="create it in scheduling first"):
        await delegations.register_delegation(
            uow, meeting_id=meeting_id, command=_create(), actor="org", ask_scheduling=nowhere
        )
    assert asked == [meeting_id] and repo.delegations == {} and uow.emitted == []

    async def scheduling(mid):
        return {
            "title": "Summit",
            "timezone": "UTC",
            "starts_on": "2025-11-16",
            "ends_on": "2025-11-18",
        }

    await delegations.register_delegation(
        uow, meeting_id=meeting_id, command=_create(), actor="org", ask_scheduling=scheduling
    )
    assert repo.meetings[meeting_id].timezone == "UTC"
    assert len(uow.events(REGISTERED)) == 1


async def test_names_are_merged_per_language_and_a_null_language_is_removed(repo, uow):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, names={"en": "Kazakhstan", "ru": "Казахстан"})

    await delegations.update_delegation(
        uow,
        delegation_id=delegation.id,
        command=DelegationUpdate.model_validate(
            {"names": {"ru": None, "en": "Republic of Kazakhstan"}, "head_name": "A. Head"}
        ),
    )

    row = repo.delegations[delegation.id]
    assert row.names == {"en": "Republic of Kazakhstan"}
    assert row.head_name == "A. Head"
    assert uow.result == str(delegation.id)
    assert repo.locked == [delegation.id]


async def test_a_quota_below_what_is_accepted_is_refused_and_nothing_changes(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=5, categories={"adviser": 3})
    for _ in range(2):
        await nominations.on_application_submitted(
            uow, event(_submitted(meeting.id, delegation.id, "adviser"))
        )
    emitted = len(uow.emitted)

    with pytest.raises(
        Conflict, match="adviser quota cannot be 1: 2 advisers are already accepted"
    ):
        await delegations.change_quotas(
            uow,
            delegation_id=delegation.id,
            command=QuotasUpdate.model_validate({"quota": 3, "category_quotas": {"adviser": 1}}),
        )
    assert repo.delegations[delegation.id].quota == 5
    assert repo.counters[delegation.id, "adviser"].quota == 3
    assert len(uow.emitted) == emitted


async def test_raising_a_quota_announces_it_and_promotes_the_next_in_line(repo, uow, event):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id, quota=1, categories={"media": 2})
    first, second = (_submitted(meeting.id, delegation.id, "delegate", waitlist=True) for _ in "12")
    for submitted in (first, second):
        await nominations.on_application_submitted(uow, event(submitted))

    await delegations.change_quotas(
        uow,
        delegation_id=delegation.id,
        command=QuotasUpdate.model_validate(
            {"quota": 2, "category_quotas": {"media": None, "adviser": 1}}
        ),
    )

    assert uow.events(QUOTAS_CHANGED) == [
        {
            "delegation_id": str(delegation.id),
            "meeting_id": str(meeting.id),
            "quota": 2,
            "category_quotas": {"adviser": 1},
            "session_seats": {},
        }
    ]
    promoted = uow.events(ACCEPTED)[-1]
    assert (promoted["application_id"], promoted["promoted"], promoted["used"]) == (
        str(second.application_id),
        True,
        2,
    )
    assert repo.nominations[second.application_id].decision == "accepted"
    assert repo.held_seats(delegation.id) == {first.application_id, second.application_id}


async def test_a_withdrawn_delegation_is_announced_and_can_no_longer_be_changed(repo, uow):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id)

    await delegations.withdraw_delegation(
        uow, delegation_id=delegation.id, reason="cannot travel", actor="org"
    )

    row = repo.delegations[delegation.id]
    assert (row.status, row.withdrawn_by, row.withdrawal_reason) == (
        "withdrawn",
        "org",
        "cannot travel",
    )
    assert uow.events("delegation.delegation.withdrawn") == [
        {
            "delegation_id": str(delegation.id),
            "meeting_id": str(meeting.id),
            "reason": "cannot travel",
        }
    ]
    with pytest.raises(Conflict, match="withdrew from the meeting"):
        await delegations.set_waiting_list_default(
            uow, delegation_id=delegation.id, by_default=True
        )
    assert repo.delegations[delegation.id].waitlist_by_default is False


async def test_a_focal_point_is_assigned_once_and_revoked_once(repo, uow):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id)
    command = FocalPointCreate(email="Aliya@Example.org", name="Aliya Seitkali", language="ru")

    focal_point_id = await focal_points.assign_focal_point(
        uow, delegation_id=delegation.id, command=command, actor="org"
    )
    with pytest.raises(
        Conflict, match=re.escape("aliya@example.org is already a focal point of Kazakhstan")
    ):
        await focal_points.assign_focal_point(
            uow, delegation_id=delegation.id, command=command, actor="org"
        )
    await focal_points.revoke_focal_point(
        uow, delegation_id=delegation.id, focal_point_id=focal_point_id, actor="org"
    )
    with pytest.raises(NotFound, match="is not a current focal point"):
        await focal_points.revoke_focal_point(
            uow, delegation_id=delegation.id, focal_point_id=focal_point_id, actor="org"
        )

    assert uow.events("delegation.focal_point.assigned") == [
        {
            "focal_point_id": str(focal_point_id),
            "delegation_id": str(delegation.id),
            "meeting_id": str(meeting.id),
            "email": "aliya@example.org",
            "name": "Aliya Seitkali",
            "language": "ru",
        }
    ]
    assert [e["email"] for e in uow.events("delegation.focal_point.revoked")] == [
        "aliya@example.org"
    ]
    assert repo.focal_points[focal_point_id].revoked_by == "org"


async def test_a_movement_is_read_in_the_venue_zone_and_stored_in_utc(repo, uow):
    meeting = repo.given_meeting(timezone="Asia/Almaty")
    delegation = repo.given_delegation(meeting.id)
    body = {
        "direction": "arrival",
        "mode": "flight",
        "number": "KC 901",
        "place": "ALA",
        "scheduled_at": "2025-11-16T14:35:00",
        "persons": 3,
    }

    movement_id = await logistics.record_movement(
        uow, delegation_id=delegation.id, command=MovementCreate.model_validate(body), actor="org"
    )
    assert repo.movements[movement_id].scheduled_at == datetime(2025, 11, 16, 9, 35, tzinfo=UTC)
    assert uow.result == str(movement_id)

    with pytest.raises(Invalid, match="a flight needs its number"):
        await logistics.record_movement(
            uow,
            delegation_id=delegation.id,
            command=MovementCreate.model_validate({**body, "number": None}),
            actor="org",
        )
    assert len(repo.movements) == 1


async def test_a_stay_must_last_a_night_and_is_stored_with_who_set_it(repo, uow):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id)
    stay = {"hotel": "Rixos", "rooms": 4, "check_in": "2025-11-15", "check_out": "2025-11-15"}

    with pytest.raises(Invalid, match="a stay lasts at least one night"):
        await logistics.set_accommodation(
            uow,
            delegation_id=delegation.id,
            command=AccommodationPut.model_validate(stay),
            actor="fp",
        )
    assert repo.accommodations == {}

    command = AccommodationPut.model_validate({**stay, "check_out": "2025-11-19"})
    await logistics.set_accommodation(uow, delegation_id=delegation.id, command=command, actor="fp")
    assert repo.accommodations[delegation.id]["hotel"] == "Rixos"
    assert repo.accommodations[delegation.id]["updated_by"] == "fp"


def _submitted(meeting_id, delegation_id, category, *, waitlist=None) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=uuid.uuid4(),
        meeting_id=meeting_id,
        delegation_id=delegation_id,
        category=category,
        given_name="Aliya",
        family_name="Seitkali",
        email="aliya@example.org",
        nationality="KAZ",
        waitlist=waitlist,
    )
