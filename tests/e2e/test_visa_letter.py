"""The visa support letter: the desk downloads it once a participant is nominated, and it is audited."""

import io

import pytest
from pypdf import PdfReader

from plenary_client import Conflict, Forbidden, Gone, NotFound
from plenary_devstack.testing import person

DEFAULT_LETTERHEAD = "Secretariat of the Host Country"


def _letter(api, application_id, token) -> bytes:
    return api.plenary(token).registration.get_visa_letter(application_id)


def _submitted(api, meeting_id, body) -> str:
    """Submit a body the test keeps; the new application's id."""
    api.sent_passports.add(body["passport_number"])
    return str(api.plenary().registration.submit_application(meeting_id, body).id)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _reference(application_id: str) -> str:
    return f"VSL-{application_id.replace('-', '')[:8].upper()}"


def test_the_desk_downloads_a_letter_for_a_nominee_and_the_issue_is_audited(api, client):
    meeting = api.create_meeting(starts_on="2035-11-17", ends_on="2035-11-19", city="Kazan")
    delegation = api.register_delegation(meeting["id"], name="Republic of Kazakhstan")
    body = person(
        delegation_id=delegation["id"],
        given_name_native="Айгерим",
        family_name_native="Нұрланқызы",
        position="Counsellor",
        passport_expiry="2099-12-31",
    )
    app_id = _submitted(api, meeting["id"], body)
    assert api.wait_state(app_id)["state"] == "nominated"
    desk = api.token_for("accreditation_desk", subject="desk-visa")

    # raw HTTP: the content type and disposition
    response = api.call(
        "registration", "GET", f"/v1/applications/{app_id}/visa-letter.pdf", token=desk
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    reference = _reference(app_id)
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

    history = client.registration.get_history(app_id)
    issued = history[-1]
    assert (issued.from_state, issued.to_state) == ("nominated", "nominated")
    assert issued.actor == "desk-visa"
    assert issued.reason == f"visa support letter issued {reference}"

    # once accredited it is still available, and every issue is recorded
    client.registration.decide(app_id, {"decision": "grant"})
    assert body["passport_number"] in _text(_letter(api, app_id, desk))
    history = client.registration.get_history(app_id)
    assert [h.reason for h in history].count(f"visa support letter issued {reference}") == 2
    assert history[-1].to_state == "accredited"


def test_only_the_desk_may_download_it(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app = api.submit(meeting["id"], delegation["id"])
    assert api.wait_state(app["id"])["state"] == "nominated"
    own_focal_point = api.token_for(
        "focal_point", delegation_id=delegation["id"], subject="fp-visa"
    )
    for token in (None, own_focal_point):  # None: the organiser's token
        with pytest.raises(Forbidden) as refused:
            _letter(api, app["id"], token)
        assert "allowed: accreditation_desk)" in refused.value.detail
    history = client.registration.get_history(app["id"])
    assert not any("visa support letter" in (h.reason or "") for h in history)

    desk = api.token_for("accreditation_desk", subject="desk-visa")
    with pytest.raises(NotFound):
        _letter(api, "00000000-0000-4000-8000-000000000000", desk)


def test_a_withdrawn_application_gets_no_letter(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-vw")
    app = api.submit(meeting["id"], delegation["id"], token=focal_point)
    withdrawn = api.plenary(focal_point).registration.withdraw(
        app["id"], {"reason": "Travel cancelled"}
    )
    assert withdrawn.state == "withdrawn"
    desk = api.token_for("accreditation_desk", subject="desk-visa")
    with pytest.raises(Conflict) as refused:
        _letter(api, app["id"], desk)
    assert refused.value.current_state == "withdrawn"
    assert "nominated or accredited" in refused.value.detail


def test_no_letter_once_the_document_data_is_purged(api, client):
    meeting = api.create_meeting(starts_on="2025-02-03", ends_on="2025-02-04")
    delegation = api.register_delegation(meeting["id"])
    app = api.submit(meeting["id"], delegation["id"])
    assert api.wait_state(app["id"])["state"] == "nominated"
    desk = api.token_for("accreditation_desk", subject="desk-visa")
    assert _letter(api, app["id"], desk).startswith(b"%PDF")
    assert client.registration.purge_documents(meeting["id"]).purged_applications == 1

    with pytest.raises(Gone) as gone:
        _letter(api, app["id"], desk)
    assert "purged" in gone.value.detail


async def test_the_letter_and_a_photo_are_announced_without_their_contents(api, client, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    body = person(delegation_id=delegation["id"], passport_expiry="2099-12-31")
    app_id = _submitted(api, meeting["id"], body)
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    client.registration.upload_photo(app_id, photo, content_type="image/png")
    assert api.wait_state(app_id)["state"] == "nominated"
    desk = api.token_for("accreditation_desk", subject="desk-announce")
    assert _letter(api, app_id, desk).startswith(b"%PDF")

    ids = {"application_id": app_id, "meeting_id": meeting["id"]}
    [(_, uploaded)] = await kafka.wait_events(
        "registration.events",
        event_type="registration.application.photo_uploaded",
        subject=app_id,
    )
    assert uploaded["data"] == {
        **ids,
        "delegation_id": delegation["id"],
        "photo_type": "image/png",
    }
    [(record, issued)] = await kafka.wait_events(
        "registration.events", event_type="registration.visa_letter.issued", subject=app_id
    )
    assert issued["data"] == {
        **ids,
        "delegation_id": delegation["id"],
        "reference": _reference(app_id),
    }
    assert body["passport_number"].encode() not in record.value
    history = [h.reason for h in client.registration.get_history(app_id)]
    assert "photo uploaded" in history
