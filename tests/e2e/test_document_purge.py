"""Personal document data is purged after the meeting; anonymised counts remain."""

import base64

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_purging_a_past_meeting_erases_documents_and_keeps_counts(api):
    meeting = api.create_meeting(starts_on="2025-03-03", ends_on="2025-03-04")
    delegation = api.register_delegation(meeting["id"], country_code="UZB")
    apps = [
        api.nominate(meeting["id"], delegation["id"], category=c).json()
        for c in ("delegate", "media")
    ]
    for app in apps:
        api.wait_state(app["id"])
    path = f"/v1/applications/{apps[0]['id']}"
    api.call(
        "registration", "PUT", f"{path}/photo", content=PNG, headers={"content-type": "image/png"}
    )
    desk = api.token_for("accreditation_desk", subject="desk-purge")
    assert api.call("registration", "GET", f"{path}/documents", token=desk).status_code == 200
    before = api.call("registration", "GET", f"/v1/meetings/{meeting['id']}/statistics").json()

    purged = api.call("registration", "POST", f"/v1/meetings/{meeting['id']}/document-purge")
    assert purged.status_code == 200 and purged.json()["purged_applications"] == 2
    again = api.call("registration", "POST", f"/v1/meetings/{meeting['id']}/document-purge")
    assert again.json()["purged_applications"] == 0

    gone = api.call("registration", "GET", f"{path}/documents", token=desk)
    assert gone.status_code == 410 and "purged" in gone.json()["detail"]
    shown = api.call("registration", "GET", path).json()
    assert shown["passport_number_masked"] == "purged" and shown["has_photo"] is False
    after = api.call("registration", "GET", f"/v1/meetings/{meeting['id']}/statistics").json()
    assert after == before
    assert after["total"] == 2 and after["by_category"] == {"delegate": 1, "media": 1}
    assert after["by_state"] == {"nominated": 2}


def test_a_meeting_not_yet_over_cannot_be_purged(api):
    meeting = api.create_meeting(starts_on="2035-06-01", ends_on="2035-06-02")
    delegation = api.register_delegation(meeting["id"])
    api.nominate(meeting["id"], delegation["id"])
    refused = api.call("registration", "POST", f"/v1/meetings/{meeting['id']}/document-purge")
    assert refused.status_code == 409 and "2035-06-02" in refused.json()["detail"]
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"])
    assert (
        api.call(
            "registration",
            "POST",
            f"/v1/meetings/{meeting['id']}/document-purge",
            token=focal_point,
        ).status_code
        == 403
    )
