"""Use cases of CSV imports and of the document purge against the fake repository."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from plenary_registration.domain import csv_rows
from plenary_registration.service_layer import imports, retention
from plenary_shared.errors import Conflict

HEADER = "given_name,family_name,email,category,nationality,passport_number,date_of_birth\n"
GOOD = "Aigerim,Nurlanovna,aigerim@example.org,delegate,KAZ,N1234567,1990-05-17\n"
BAD = "Daniyar,Seitkali,daniyar@example.org,delegate,KAZ,n0-secret!,1990-05-17\n"
TWICE = "Aigerim,Again,aigerim@example.org,adviser,KAZ,N7654321,1991-01-01\n"


async def test_a_batch_nominates_good_lines_and_records_why_others_were_not(
    repo, uow, cipher, focal_point
):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id)
    text = HEADER + GOOD + BAD + TWICE
    import_id = await imports.start_import(
        uow,
        meeting_id=meeting.id,
        delegation_id=delegation.id,
        text=text,
        actor="focal",
        cipher=cipher,
    )
    assert cipher.decrypt(repo.imports[import_id].content_enc) == text
    job = await imports.claim_import(uow, lease=timedelta(minutes=1))
    assert job.id == import_id and repo.imports[import_id].status == "running"

    taken = await imports.nominate_batch(
        uow,
        job=job,
        start=0,
        batch=csv_rows.read(text),
        grant=focal_point(delegation.id),
        cipher=cipher,
        lease=timedelta(minutes=1),
    )

    assert taken is True
    assert [a.email for a in repo.applications.values()] == ["aigerim@example.org"]
    assert len(uow.events("registration.application.submitted")) == 1
    progress = repo.imports[import_id]
    assert (progress.processed, progress.nominated, progress.failed) == (3, 1, 2)
    [invalid, duplicate] = repo.import_errors
    assert (invalid["line"], invalid["reason"].split(":")[0]) == (3, "passport_number")
    assert duplicate["line"] == 4 and "already has an application" in duplicate["reason"]
    assert "n0-secret!" not in str(repo.import_errors)  # the value is never echoed

    await imports.finish_import(uow, import_id=import_id)
    assert repo.imports[import_id].status == "done"
    assert repo.imports[import_id].content_enc is None


async def test_a_batch_taken_over_by_another_worker_is_not_committed(
    repo, uow, cipher, focal_point
):
    meeting = repo.given_meeting()
    delegation = repo.given_delegation(meeting.id)
    text = HEADER + GOOD
    import_id = await imports.start_import(
        uow, meeting_id=meeting.id, delegation_id=delegation.id, text=text, actor="f", cipher=cipher
    )
    job = await imports.claim_import(uow, lease=timedelta(minutes=1))
    repo.imports[import_id].processed = 1  # another worker got there first
    commits = uow.commits

    taken = await imports.nominate_batch(
        uow,
        job=job,
        start=0,
        batch=csv_rows.read(text),
        grant=focal_point(delegation.id),
        cipher=cipher,
        lease=timedelta(minutes=1),
    )

    assert taken is False and uow.commits == commits and repo.import_errors == []


async def test_purging_early_waits_for_the_meeting_to_end_and_is_idempotent(repo, uow):
    meeting = repo.given_meeting(ends_on=date(2026, 6, 30))
    delegation = repo.given_delegation(meeting.id)
    row = repo.given_application(delegation, photo=b"\x89PNG", photo_type="image/png")

    with pytest.raises(Conflict, match="ends on 2026-06-30"):
        await retention.purge_meeting(
            uow, meeting_id=meeting.id, today=date(2026, 6, 30), early=True
        )
    assert repo.applications[row.id].passport_number_enc is not None

    first = await retention.purge_meeting(
        uow, meeting_id=meeting.id, today=date(2026, 7, 1), early=True
    )
    again = await retention.purge_meeting(
        uow, meeting_id=meeting.id, today=date(2026, 7, 1), early=True
    )

    purged = repo.applications[row.id]
    assert (first, again) == (1, 0)
    assert purged.passport_number_enc is None and purged.photo is None
    assert repo.meetings[meeting.id].documents_purged_at is not None
    assert uow.emitted == [] and uow.commits == 2
