"""Use cases of applications against the fake repository: nominating, correcting, the photo,
the visa letter's record."""

from __future__ import annotations

from datetime import date

import pytest

from plenary_registration.domain.commands import ApplicationCreate, ApplicationUpdate
from plenary_registration.service_layer import applications
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound

SUBMITTED = "registration.application.submitted"
RECATEGORISED = "registration.application.recategorised"


def nominee(**values) -> ApplicationCreate:
    return ApplicationCreate(
        **{
            "given_name": "Aigerim",
            "family_name": "Nurlanovna",
            "email": "aigerim@example.org",
            "category": "delegate",
            "nationality": "KAZ",
            "passport_number": "N12345678",
            "date_of_birth": date(1990, 5, 17),
            **values,
        }
    )


async def nobody(_):
    raise AssertionError("the projections know both ids: nobody is asked")


async def submit(uow, command, grant, cipher, meeting_id):
    return await applications.submit_application(
        uow,
        meeting_id=meeting_id,
        command=command,
        grant=grant,
        cipher=cipher,
        ask_delegation=nobody,
        ask_scheduling=nobody,
    )


async def test_a_nomination_is_stored_encrypted_and_announced_without_document_data(
    repo, uow, cipher, focal_point
):
    meeting = repo.given_meeting(requires_vetting=True)
    delegation = repo.given_delegation(meeting.id)

    row = await submit(uow, nominee(waitlist=True), focal_point(delegation.id), cipher, meeting.id)

    stored = repo.applications[row.id]
    assert (stored.state, stored.vetting, stored.delegation_id) == (
        "submitted",
        "pending",
        delegation.id,
    )
    assert cipher.decrypt(stored.passport_number_enc) == "N12345678"
    assert repo.history_of(row.id) == [(None, "submitted", "focal@example.org", None)]
    [event] = uow.events(SUBMITTED)
    assert event["application_id"] == str(row.id) and event["waitlist"] is True
    assert "N12345678" not in str(uow.emitted) and "1990-05-17" not in str(uow.emitted)
    assert uow.commits == 1


async def test_the_same_person_twice_in_a_meeting_is_refused(repo, uow, cipher, staff):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id)
    command = nominee(delegation_id=delegation.id)
    await submit(uow, command, staff, cipher, meeting.id)

    with pytest.raises(Conflict, match="already has an application"):
        await submit(uow, command, staff, cipher, meeting.id)
    assert len(repo.applications) == 1 and len(uow.events(SUBMITTED)) == 1
    assert uow.commits == 1


async def test_a_focal_point_nominates_only_for_its_own_delegation(repo, uow, cipher, focal_point):
    meeting = repo.given_meeting()
    own, other = repo.given_delegation(meeting.id), repo.given_delegation(meeting.id, "Other")

    with pytest.raises(Forbidden):
        await submit(uow, nominee(delegation_id=other.id), focal_point(own.id), cipher, meeting.id)
    assert repo.applications == {} and uow.emitted == []


async def test_an_unknown_delegation_is_asked_of_its_owner_and_must_be_in_the_meeting(
    repo, uow, cipher, staff
):
    meeting, elsewhere = repo.given_meeting(), repo.given_meeting()
    delegation_id = repo.given_delegation(elsewhere.id).id
    del repo.delegations[delegation_id]
    asked = []

    async def ask_delegation(asked_id):
        asked.append(asked_id)
        return {"meeting_id": str(elsewhere.id), "name": "Kazakhstan"}

    with pytest.raises(Invalid, match="is not registered for meeting"):
        await applications.submit_application(
            uow,
            meeting_id=meeting.id,
            command=nominee(delegation_id=delegation_id),
            grant=staff,
            cipher=cipher,
            ask_delegation=ask_delegation,
            ask_scheduling=nobody,
        )
    assert asked == [delegation_id]
    assert repo.delegations[delegation_id].meeting_id == elsewhere.id  # remembered
    assert repo.applications == {}


async def test_a_new_category_sends_the_nomination_back_to_the_quota_check(
    repo, uow, cipher, staff
):
    delegation = repo.given_delegation(repo.given_meeting().id)
    row = repo.given_application(delegation, state="nominated")

    await applications.update_application(
        uow,
        application_id=row.id,
        command=ApplicationUpdate(category="media", passport_number="X9876543"),
        grant=staff,
        cipher=cipher,
    )

    stored = repo.applications[row.id]
    assert (stored.state, stored.category) == ("submitted", "media")
    assert cipher.decrypt(stored.passport_number_enc) == "X9876543"
    assert [h[:2] for h in repo.history_of(row.id)] == [
        ("nominated", "nominated"),
        ("nominated", "submitted"),
    ]
    assert repo.history_of(row.id)[0][3] == "details updated: category, passport_number"
    [event] = uow.events(RECATEGORISED)
    assert (event["category"], event["previous_category"]) == ("media", "delegate")
    assert "X9876543" not in str(uow.emitted)


async def test_details_cannot_change_after_the_decision(repo, uow, cipher, staff):
    delegation = repo.given_delegation(repo.given_meeting().id)
    row = repo.given_application(delegation, state="accredited")

    with pytest.raises(Conflict) as refused:
        await applications.update_application(
            uow,
            application_id=row.id,
            command=ApplicationUpdate(family_name="Other"),
            grant=staff,
            cipher=cipher,
        )
    assert refused.value.extra["current_state"] == "accredited"
    assert repo.applications[row.id].family_name == "Nurlanovna" and uow.commits == 0


async def test_a_photo_is_stored_with_a_history_line_an_event_and_remembered_for_idempotency(
    repo, uow
):
    delegation = repo.given_delegation(repo.given_meeting().id)
    row = repo.given_application(delegation)

    await applications.upload_photo(
        uow, application_id=row.id, data=b"\x89PNG...", kind="image/png", actor="focal"
    )

    stored = repo.applications[row.id]
    assert (stored.photo, stored.photo_type) == (b"\x89PNG...", "image/png")
    assert repo.history_of(row.id) == [("submitted", "submitted", "focal", "photo uploaded")]
    assert uow.result == str(row.id) and uow.commits == 1
    assert uow.events("registration.application.photo_uploaded") == [
        {
            "application_id": str(row.id),
            "meeting_id": str(row.meeting_id),
            "delegation_id": str(row.delegation_id),
            "photo_type": "image/png",
        }
    ]
    assert len(uow.emitted) == 1


async def test_a_visa_letter_is_recorded_only_while_the_state_allows_one(repo, uow):
    delegation = repo.given_delegation(repo.given_meeting().id)
    nominated = repo.given_application(delegation, state="nominated")
    withdrawn = repo.given_application(delegation, state="withdrawn")

    await applications.record_visa_letter(
        uow, application_id=nominated.id, reference="VL-1", actor="desk"
    )
    with pytest.raises(Conflict):
        await applications.record_visa_letter(
            uow, application_id=withdrawn.id, reference="VL-2", actor="desk"
        )
    with pytest.raises(NotFound):
        await applications.record_visa_letter(
            uow, application_id=delegation.id, reference="VL-3", actor="desk"
        )

    assert repo.history_of(nominated.id) == [
        ("nominated", "nominated", "desk", "visa support letter issued VL-1")
    ]
    assert repo.history_of(withdrawn.id) == [] and uow.commits == 1
    assert uow.events("registration.visa_letter.issued") == [
        {
            "application_id": str(nominated.id),
            "meeting_id": str(nominated.meeting_id),
            "delegation_id": str(nominated.delegation_id),
            "reference": "VL-1",
        }
    ]
