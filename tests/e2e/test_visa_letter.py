"""The visa support letter: the desk downloads it once a participant is nominated, and it is audited."""

import io

from pypdf import PdfReader

from plenary_devstack.testing import person

DEFAULT_LETTERHEAD = "Secretariat of the Host Country"


def _letter(api, application_id, token):
    return api.call(
        "registration", "GET", f"/v1/applications/{application_id}/visa-letter.pdf", token=token
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _reference(application_id: str) -> str:
    return f"VSL-{application_id.replace('-', '')[:8].upper()}"


def test_the_desk_downloads_a_letter_for_a_nominee_and_the_issue_is_audited(api):
    meeting = api.create_meeting(starts_on="2035-11-17", ends_on="2035-11-19", city="Kazan")
    delegation = api.register_delegation(meeting["id"], name="Republic of Kazakhstan")
    body = person(
        delegation_id=delegation["id"],
        given_name_native="Айгерим",
        family_name_native="Нұрланқызы",
        position="Counsellor",
        passport_expiry="2099-12-31",
    )
    app = api.call(
        "registration", "POST", f"/v1/meetings/{meeting['id']}/applications", json=body
    ).json()
    assert api.wait_state(app["id"])["state"] == "nominated"
    desk = api.token_for("accreditation_desk", subject="desk-visa")

    response = _letter(api, app["id"], desk)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    reference = _reference(app["id"])
    assert disposition.startswith("attachment;") and reference in disposition
    text = _text(response.content)
    for expected in (
        DEFAULT_LETTERHEAD,
        "To the Consular Section concerned",
        reference,
        f"{body['given_name']} {body['family_name'].upper()}",
        "Айгерим Нұрланқызы",
        body["passport_number"],
        "31 December 2099",
        "29 February 1984",
        "KAZ",
        "Counsellor",
        "Republic of Kazakhstan",
        meeting["title"],
        "Kazan",
        "from 17 November 2035 to 19 November 2035",
        "Head of the Accreditation Service",
    ):
        assert expected in text, expected

    history = api.call("registration", "GET", f"/v1/applications/{app['id']}/history").json()
    issued = history[-1]
    assert (issued["from_state"], issued["to_state"]) == ("nominated", "nominated")
    assert issued["actor"] == "desk-visa"
    assert issued["reason"] == f"visa support letter issued {reference}"

    # once accredited it is still available, and every issue is recorded
    api.call(
        "registration",
        "POST",
        f"/v1/applications/{app['id']}/decision",
        json={"decision": "grant"},
    )
    again = _letter(api, app["id"], desk)
    assert again.status_code == 200 and body["passport_number"] in _text(again.content)
    history = api.call("registration", "GET", f"/v1/applications/{app['id']}/history").json()
    assert [h["reason"] for h in history].count(f"visa support letter issued {reference}") == 2
    assert history[-1]["to_state"] == "accredited"


def test_only_the_desk_may_download_it(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app = api.nominate(meeting["id"], delegation["id"]).json()
    assert api.wait_state(app["id"])["state"] == "nominated"
    own_focal_point = api.token_for(
        "focal_point", delegation_id=delegation["id"], subject="fp-visa"
    )
    for token in (None, own_focal_point):  # None: the organiser's token
        refused = _letter(api, app["id"], token)
        assert refused.status_code == 403
        assert "allowed: accreditation_desk)" in refused.json()["detail"]
    history = api.call("registration", "GET", f"/v1/applications/{app['id']}/history").json()
    assert not any("visa support letter" in (h["reason"] or "") for h in history)

    desk = api.token_for("accreditation_desk", subject="desk-visa")
    unknown = _letter(api, "00000000-0000-4000-8000-000000000000", desk)
    assert unknown.status_code == 404


def test_a_withdrawn_application_gets_no_letter(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-vw")
    app = api.nominate(meeting["id"], delegation["id"], token=focal_point).json()
    withdrawn = api.call(
        "registration",
        "POST",
        f"/v1/applications/{app['id']}/withdrawal",
        json={"reason": "Travel cancelled"},
        token=focal_point,
    )
    assert withdrawn.json()["state"] == "withdrawn"
    desk = api.token_for("accreditation_desk", subject="desk-visa")
    refused = _letter(api, app["id"], desk)
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "withdrawn"
    assert "nominated or accredited" in refused.json()["detail"]


def test_no_letter_once_the_document_data_is_purged(api):
    meeting = api.create_meeting(starts_on="2025-02-03", ends_on="2025-02-04")
    delegation = api.register_delegation(meeting["id"])
    app = api.nominate(meeting["id"], delegation["id"]).json()
    assert api.wait_state(app["id"])["state"] == "nominated"
    desk = api.token_for("accreditation_desk", subject="desk-visa")
    assert _letter(api, app["id"], desk).status_code == 200
    purged = api.call("registration", "POST", f"/v1/meetings/{meeting['id']}/document-purge")
    assert purged.status_code == 200 and purged.json()["purged_applications"] == 1

    gone = _letter(api, app["id"], desk)
    assert gone.status_code == 410 and "purged" in gone.json()["detail"]


async def test_the_letter_and_a_photo_are_announced_without_their_contents(api, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    body = person(delegation_id=delegation["id"], passport_expiry="2099-12-31")
    app = api.call(
        "registration", "POST", f"/v1/meetings/{meeting['id']}/applications", json=body
    ).json()
    path = f"/v1/applications/{app['id']}"
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    stored = api.call(
        "registration", "PUT", f"{path}/photo", content=photo, headers={"content-type": "image/png"}
    )
    assert stored.status_code == 204, stored.text
    assert api.wait_state(app["id"])["state"] == "nominated"
    desk = api.token_for("accreditation_desk", subject="desk-announce")
    assert _letter(api, app["id"], desk).status_code == 200

    ids = {"application_id": app["id"], "meeting_id": meeting["id"]}
    [(_, uploaded)] = await kafka.wait_events(
        "registration.events",
        event_type="registration.application.photo_uploaded",
        subject=app["id"],
    )
    assert uploaded["data"] == {
        **ids,
        "delegation_id": delegation["id"],
        "photo_type": "image/png",
    }
    [(record, issued)] = await kafka.wait_events(
        "registration.events", event_type="registration.visa_letter.issued", subject=app["id"]
    )
    assert issued["data"] == {
        **ids,
        "delegation_id": delegation["id"],
        "reference": _reference(app["id"]),
    }
    assert body["passport_number"].encode() not in record.value
    history = [h["reason"] for h in api.call("registration", "GET", f"{path}/history").json()]
    assert "photo uploaded" in history
