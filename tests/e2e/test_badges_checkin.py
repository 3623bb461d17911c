"""Badges and check-in across the running platform: issue on accreditation, PDF, scans, re-issue."""

from __future__ import annotations

import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import jwt
import pytest
from pypdf import PdfReader

from plenary_client import Conflict, Forbidden, NotFound, registration
from plenary_devstack.keys import BADGE_PUBLIC
from plenary_devstack.testing import wait_for
from plenary_registration.adapters.badges import BadgeClaims, BadgeSigner, BadgeVerifier
from plenary_shared.auth import generate_key_pair

TOPIC = "registration.events"
ISSUED = "registration.badge.issued"
CHECKED_IN = "registration.participant.checked_in"
NUMBER = re.compile(r"^PL-\d{4}-\d{4,}$")


def _accredited(api, *, quota: int = 5, **person) -> tuple[dict, dict, dict, str]:
    """A meeting, a delegation, its focal point's token and an accredited application."""
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=quota)
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"])
    application = _grant(api, meeting, delegation, focal_point, **person)
    return meeting, delegation, application, focal_point


def _grant(api, meeting, delegation, focal_point, **person) -> dict:
    app_id = api.submit(meeting["id"], delegation["id"], token=focal_point, **person)["id"]
    assert api.wait_state(app_id)["state"] == "nominated"
    decided = api.plenary().registration.decide(app_id, {"decision": "grant"})
    return decided.model_dump(mode="json")


def _badge(api, app_id: str) -> registration.BadgeRead:
    """The application's badge, once the consumer has issued it."""

    def issued() -> registration.BadgeRead | None:
        with suppress(NotFound):
            return api.plenary().registration.get_badge(app_id)
        return None

    return wait_for(issued, what=f"the badge of {app_id}")


def _scan(api, code: str, zone: str = "plenary", checkpoint: str = "Gate A"):
    scan = {"code": code, "zone": zone, "checkpoint": checkpoint}
    return api.plenary().registration.check_in(scan)


async def _settled(kafka, **filters) -> list[dict]:
    """The matching events once the relay has had time to publish any duplicate."""
    await kafka.wait_events(TOPIC, **filters)
    await asyncio.sleep(1.0)
    return [event for _, event in await kafka.events(TOPIC, **filters)]


def _flip(token: str) -> str:
    """The token with one character of its payload changed."""
    header, payload, signature = token.split(".")
    i = len(payload) // 2
    payload = payload[:i] + ("A" if payload[i] != "A" else "B") + payload[i + 1 :]
    return f"{header}.{payload}.{signature}"


async def test_accreditation_issues_a_badge_that_prints_verifies_offline_and_admits_once(
    api, client, kafka
):
    meeting, delegation, application, focal_point = _accredited(
        api, given_name_native="Айгерим", family_name_native="Нұрланқызы"
    )
    app_id = application["id"]

    issued = await _settled(kafka, event_type=ISSUED, subject=app_id)
    assert len(issued) == 1
    data = issued[0]["data"]
    assert NUMBER.match(data["badge_number"])
    assert data["zones"] == ["plenary", "restricted", "press"]
    assert data["replaces"] is None and data["delegation_id"] == delegation["id"]

    badge = _badge(api, app_id)
    assert (badge.badge_number, badge.status, badge.colour) == (
        data["badge_number"],
        "active",
        "red",
    )
    assert badge.zones == ["plenary", "restricted", "press"]

    # a scanner with only the public key verifies the token offline
    pem = client.registration.badge_public_key().decode()
    assert pem == (api.platform.keys.folder / BADGE_PUBLIC).read_text()
    claims = BadgeVerifier(pem).verify(badge.qr_token)
    assert (str(claims.application_id), str(claims.meeting_id)) == (app_id, meeting["id"])
    assert claims.badge_number == badge.badge_number and list(claims.zones) == badge.zones
    payload = jwt.decode(badge.qr_token, options={"verify_signature": False})
    assert set(payload) == {"bid", "no", "aid", "mid", "z", "iat"}

    # the focal point prints it (raw HTTP: the content type)
    pdf = api.call("registration", "GET", f"/v1/applications/{app_id}/badge.pdf", token=focal_point)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 5_000
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for expected in (badge.badge_number, delegation["name"], meeting["title"], "Айгерим"):
        assert expected in text, expected
    assert not any(passport in text for passport in api.sent_passports)

    # admitted once, even when scanned twice
    first = _scan(api, badge.qr_token)
    again = _scan(api, badge.qr_token)
    assert (first.allowed, first.reason, first.repeat) == (True, "admitted", False)
    assert (again.allowed, again.reason, again.repeat) == (True, "admitted", True)
    assert again.checkin_id == first.checkin_id
    assert first.badge_number == badge.badge_number
    assert first.family_name == application["family_name"]
    assert first.delegation == delegation["name"]
    checked_in = await _settled(kafka, event_type=CHECKED_IN, subject=app_id)
    assert len(checked_in) == 1
    assert checked_in[0]["data"]["checkpoint"] == "Gate A"
    assert checked_in[0]["data"]["zone"] == "plenary"

    # another checkpoint is another check-in
    gate_b = _scan(api, badge.qr_token, checkpoint="Gate B")
    assert gate_b.allowed and not gate_b.repeat

    # a zone the category does not open
    wrong = _scan(api, badge.qr_token, zone="operations")
    assert (wrong.allowed, wrong.reason) == (False, "wrong_zone")
    assert wrong.badge_number == badge.badge_number

    # forged: the same claims signed with another key; altered: one character changed
    other, _ = generate_key_pair()
    forged = BadgeSigner(other).sign(BadgeClaims.from_payload(payload))
    for code in (forged, _flip(badge.qr_token), "PL-0001-0001"):
        denied = _scan(api, code)
        assert (denied.allowed, denied.reason) == (False, "forged")
        assert denied.badge_number is None and denied.family_name is None

    # only Gate A and Gate B admissions were published; denials publish nothing
    events = await _settled(kafka, event_type=CHECKED_IN, subject=app_id)
    assert sorted(e["data"]["checkpoint"] for e in events) == ["Gate A", "Gate B"]


async def test_concurrent_identical_scans_admit_once(api, kafka):
    _, _, application, _ = _accredited(api)
    badge = _badge(api, application["id"])
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _scan(api, badge.qr_token, zone="press"), range(6)))
    assert {a.reason for a in answers} == {"admitted"}
    assert sum(not a.repeat for a in answers) == 1
    assert len({a.checkin_id for a in answers}) == 1
    events = await _settled(kafka, event_type=CHECKED_IN, subject=application["id"])
    assert len(events) == 1


async def test_concurrent_accreditations_get_unique_consecutive_numbers(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=6)
    submitted = [api.submit(meeting["id"], delegation["id"])["id"] for _ in range(6)]
    for app_id in submitted:
        api.wait_state(app_id)

    def grant(app_id):
        return client.registration.decide(app_id, {"decision": "grant"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(a.state == "accredited" for a in pool.map(grant, submitted))
    numbers = [_badge(api, app_id).badge_number for app_id in submitted]
    assert len(set(numbers)) == 6
    assert len({n.rsplit("-", 2)[1] for n in numbers}) == 1  # one meeting code
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 7))


async def test_a_reissued_badge_voids_the_old_one(api, client, kafka):
    _, _, application, focal_point = _accredited(api)
    app_id = application["id"]
    old = _badge(api, app_id)

    with pytest.raises(Forbidden):
        api.plenary(focal_point).registration.reissue_badge(app_id)
    new = client.registration.reissue_badge(app_id)
    assert new.replaces == old.id and new.status == "active"
    assert new.badge_number != old.badge_number and new.qr_token != old.qr_token
    assert _badge(api, app_id).id == new.id

    issued = await _settled(kafka, event_type=ISSUED, subject=app_id)
    assert [e["data"]["replaces"] for e in issued] == [None, str(old.id)]

    void = _scan(api, old.qr_token, checkpoint="Gate V")
    assert (void.allowed, void.reason) == (False, "void")
    assert void.badge_number == old.badge_number
    admitted = _scan(api, new.qr_token, checkpoint="Gate V")
    assert (admitted.allowed, admitted.reason) == (True, "admitted")


def test_who_may_see_a_badge(api):
    meeting, _, application, focal_point = _accredited(api)
    app_id = application["id"]
    _badge(api, app_id)
    # raw HTTP: the authorization matrix
    other = api.register_delegation(meeting["id"])
    stranger = api.token_for("focal_point", delegation_id=other["id"])
    participant = api.token_for("participant", subject=app_id)
    someone_else = api.token_for("participant", subject="00000000-0000-0000-0000-000000000001")

    for path in (f"/v1/applications/{app_id}/badge", f"/v1/applications/{app_id}/badge.pdf"):
        assert api.call("registration", "GET", path, token=stranger).status_code == 404
        assert api.call("registration", "GET", path, token=someone_else).status_code == 404
        assert api.call("registration", "GET", path, token=focal_point).status_code == 200
        assert api.call("registration", "GET", path, token=participant).status_code == 200

    scan = {"code": "x", "zone": "plenary", "checkpoint": "Gate A"}
    for token in (focal_point, participant):
        response = api.call("registration", "POST", "/v1/checkins", json=scan, token=token)
        assert response.status_code == 403
    bad_zone = api.call("registration", "POST", "/v1/checkins", json={**scan, "zone": "roof"})
    assert bad_zone.status_code == 422


def test_a_revoked_accreditation_is_denied_at_the_gate(api, client):
    _, _, application, _ = _accredited(api)
    app_id = application["id"]
    badge = _badge(api, app_id)
    client.registration.revoke(app_id, {"reason": "security incident at the venue"})
    denied = _scan(api, badge.qr_token, checkpoint="Gate R")
    assert (denied.allowed, denied.reason) == (False, "revoked")
    with pytest.raises(Conflict):
        client.registration.get_badge_pdf(app_id)


def test_a_withdrawn_participant_is_denied_at_the_gate(api, client):
    _, _, application, _ = _accredited(api)
    app_id = application["id"]
    badge = _badge(api, app_id)
    client.registration.withdraw(app_id, {"reason": "the minister cannot travel"})
    denied = _scan(api, badge.qr_token, checkpoint="Gate W")
    assert (denied.allowed, denied.reason) == (False, "withdrawn")
