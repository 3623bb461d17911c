"""Use cases of badges and check-ins against the fake repository."""

from __future__ import annotations

import pytest

from plenary_registration.adapters.badges import BadgeSigner, claims_of
from plenary_registration.service_layer import badges, check_in
from plenary_shared.auth import generate_key_pair
from plenary_shared.db import new_event
from plenary_shared.errors import Conflict
from plenary_shared.events.registration import AccreditationGranted

PRIVATE, _ = generate_key_pair()


def granted(row):
    payload = AccreditationGranted(
        application_id=row.id,
        meeting_id=row.meeting_id,
        delegation_id=row.delegation_id,
        category=row.category,
        given_name=row.given_name,
        family_name=row.family_name,
        email=row.email,
    )
    return new_event(
        payload,
        subject=str(row.id),
        source="/plenary/registration",
        correlation_id=None,
        causation_id=None,
    )


@pytest.fixture
def delegation(repo):
    return repo.given_delegation(repo.given_meeting().id)


async def test_accreditation_issues_one_badge_and_a_replay_issues_none(repo, uow, delegation):
    row = repo.given_application(delegation, state="accredited", category="adviser")

    await badges.on_accreditation_granted(uow, granted(row), prefix="PL")
    await badges.on_accreditation_granted(uow, granted(row), prefix="PL")  # redelivered

    [badge] = repo.badges.values()
    assert (badge.badge_number, badge.colour, badge.zones) == (
        "PL-0001-0001",
        "blue",
        ["plenary", "press"],
    )
    [issued] = uow.events("registration.badge.issued")
    assert issued["badge_number"] == "PL-0001-0001" and issued["replaces"] is None


async def test_no_badge_once_the_application_left_accredited(repo, uow, delegation):
    row = repo.given_application(delegation, state="revoked")

    await badges.on_accreditation_granted(uow, granted(row), prefix="PL")

    assert repo.badges == {} and uow.emitted == []


async def test_reissuing_voids_the_old_badge_and_numbers_the_new_one_next(repo, uow, delegation):
    row = repo.given_application(delegation, state="accredited")
    await badges.on_accreditation_granted(uow, granted(row), prefix="PL")
    [old] = repo.badges.values()

    new = await badges.reissue_badge(uow, application_id=row.id, prefix="PL")

    assert (repo.badges[old.id].status, repo.badges[old.id].void_reason) == ("void", "replaced")
    assert (new.badge_number, new.replaces, new.status) == ("PL-0001-0002", old.id, "active")
    assert uow.events("registration.badge.issued")[-1]["replaces"] == str(old.id)
    assert uow.commits == 1


async def test_a_badge_is_reissued_only_for_an_accredited_participant(repo, uow, delegation):
    row = repo.given_application(delegation, state="withdrawn")

    with pytest.raises(Conflict) as refused:
        await badges.reissue_badge(uow, application_id=row.id, prefix="PL")

    assert refused.value.extra["current_state"] == "withdrawn"
    assert repo.badges == {} and uow.commits == 0


async def test_a_scan_admits_once_and_its_repeat_is_neither_recorded_nor_published(
    repo, uow, delegation
):
    row = repo.given_application(delegation, state="accredited")
    await badges.on_accreditation_granted(uow, granted(row), prefix="PL")
    [badge] = repo.badges.values()
    signer = BadgeSigner(PRIVATE)
    code = signer.sign(claims_of(badge))

    first = await check_in.check_in(
        uow, code=code, zone="plenary", checkpoint="Gate A", verifier=signer.verifier()
    )
    again = await check_in.check_in(
        uow, code=code, zone="plenary", checkpoint="Gate A", verifier=signer.verifier()
    )
    wrong = await check_in.check_in(
        uow, code=code, zone="operations", checkpoint="Gate A", verifier=signer.verifier()
    )

    assert (first.allowed, first.repeat, first.delegation) == (True, False, "Kazakhstan")
    assert (again.allowed, again.repeat, again.checkin_id) == (True, True, first.checkin_id)
    assert (wrong.allowed, wrong.reason.value) == (False, "wrong_zone")
    assert len(repo.checkins) == 2
    [admitted] = uow.events("registration.participant.checked_in")
    assert admitted["checkin_id"] == str(first.checkin_id)
