"""Personal document data is purged after the meeting; anonymised counts remain."""

import base64

import pytest

from plenary_client import Conflict, Forbidden, Gone

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_purging_a_past_meeting_erases_documents_and_keeps_counts(api, client):
    meeting = api.create_meeting(starts_on="2025-03-03", ends_on="2025-03-04")
    delegation = api.register_delegation(meeting["id"], country_code="UZB")
    apps = [api.submit(meeting["id"], delegation["id"], category=c) for c in ("delegate", "media")]
    for app in apps:
        api.wait_state(app["id"])
    app_id = apps[0]["id"]
    registration = client.registration
    registration.upload_photo(app_id, PNG, content_type="image/png")
    desk = api.plenary(api.token_for("accreditation_desk", subject="desk-purge")).registration
    desk.get_documents(app_id)
    before = registration.statistics(meeting["id"])

    assert registration.purge_documents(meeting["id"]).purged_applications == 2
    assert registration.purge_documents(meeting["id"]).purged_applications == 0

    with pytest.raises(Gone) as gone:
        desk.get_documents(app_id)
    assert "purged" in gone.value.detail
    shown = registration.get_application(app_id)
    assert shown.passport_number_masked == "purged" and shown.has_photo is False
    after = registration.statistics(meeting["id"])
    assert after == before
    assert after.total == 2 and after.by_category == {"delegate": 1, "media": 1}
    assert after.by_state == {"nominated": 2}


def test_a_meeting_not_yet_over_cannot_be_purged(api, client):
    meeting = api.create_meeting(starts_on="2035-06-01", ends_on="2035-06-02")
    delegation = api.register_delegation(meeting["id"])
    api.submit(meeting["id"], delegation["id"])
    with pytest.raises(Conflict) as refused:
        client.registration.purge_documents(meeting["id"])
    assert "2035-06-02" in refused.value.detail
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"])
    with pytest.raises(Forbidden):
        api.plenary(focal_point).registration.purge_documents(meeting["id"])
