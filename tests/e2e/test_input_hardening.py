"""Hostile input gets a 422 naming the field and writes nothing; exports never carry a formula."""

import csv
import io
import re
import uuid

import pytest

from plenary_devstack.testing import person, wait_for

SERVICES = ("scheduling", "delegation", "registration", "notification")
UNKNOWN = "00000000-0000-4000-8000-000000000000"
HUGE = str(2**63)

NUL = "Ali\x00ce"
RIGHT_TO_LEFT = "Ali\u202egnp.exe"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _list_routes(api, service):
    """Every GET route of a service whose OpenAPI document takes an `offset` query parameter."""
    document = api.call(service, "GET", "/openapi.json").json()
    routes = []
    for path, operations in document["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        if any(p["name"] == "offset" and p["in"] == "query" for p in parameters):
            integers = {p["name"] for p in parameters if p["schema"].get("type") == "integer"}
            for name in re.findall(r"{(\w+)}", path):
                path = path.replace(f"{{{name}}}", "1" if name in integers else UNKNOWN)
            routes.append(path)
    return routes


def _assert_refused(response, field, *words):
    where = response.request.url, response.status_code, response.text[:400]
    assert response.status_code == 422, where
    assert response.headers["content-type"].startswith("application/problem+json"), where
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], where
    for word in words:
        assert word in body["detail"], (word, where)


def test_a_huge_offset_is_refused_on_every_list_route_of_every_service(api):
    walked = {}
    for service in SERVICES:
        walked[service] = _list_routes(api, service)
        assert walked[service], f"{service} documents no list route"
        for path in walked[service]:
            for offset in (HUGE, "1000001"):
                response = api.call(service, "GET", path, params={"offset": offset})
                _assert_refused(response, "query.offset", "less than or equal to 1000000")
            assert api.call(service, "GET", path, params={"limit": HUGE}).status_code == 422
    assert sum(len(paths) for paths in walked.values()) >= 16, walked
    page = api.call("scheduling", "GET", "/v1/meetings", params={"offset": 1_000_000}).json()
    assert page["items"] == [] and page["offset"] == 1_000_000


@pytest.fixture(scope="module")
def setting(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=50)
    return meeting, delegation


def _totals(api, meeting_id):
    return (
        api.call("scheduling", "GET", "/v1/meetings").json()["total"],
        api.call("delegation", "GET", f"/v1/meetings/{meeting_id}/delegations").json()["total"],
        api.call("registration", "GET", f"/v1/meetings/{meeting_id}/applications").json()["total"],
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (NUL, ["NUL character (U+0000)"]),
        (RIGHT_TO_LEFT, ["text-direction control (U+202E"]),
        (ZERO_WIDTH, ["no visible characters"]),
        ("\u3164 \u00a0", ["no visible characters"]),
    ],
)
def test_hidden_characters_in_names_are_refused_and_nothing_is_saved(api, setting, value, words):
    meeting, delegation = setting
    before = _totals(api, meeting["id"])
    nomination = api.nominate(meeting["id"], delegation["id"], given_name=value)
    _assert_refused(nomination, "given_name", *words)
    assert value not in nomination.text
    _assert_refused(
        api.nominate(meeting["id"], delegation["id"], family_name_native=value),
        "family_name_native",
        *words,
    )
    _assert_refused(
        api.call(
            "delegation",
            "POST",
            f"/v1/meetings/{meeting['id']}/delegations",
            json={"name": value, "kind": "member", "quota": 1},
        ),
        "name",
        *words,
    )
    _assert_refused(
        api.call(
            "scheduling",
            "POST",
            "/v1/meetings",
            json={
                "title": value,
                "city": "Moscow",
                "venue": "Centre",
                "timezone": "Europe/Moscow",
                "starts_on": "2025-11-17",
                "ends_on": "2025-11-18",
            },
        ),
        "title",
        *words,
    )
    _assert_refused(
        api.call(
            "delegation",
            "POST",
            f"/v1/delegations/{delegation['id']}/focal-points",
            json={"email": f"fp{uuid.uuid4().hex[:6]}@example.org", "name": value},
        ),
        "name",
        *words,
    )
    assert _totals(api, meeting["id"]) == before


def test_hidden_characters_in_reasons_and_searches_are_refused(api, setting):
    meeting, delegation = setting
    application = api.nominate(meeting["id"], delegation["id"]).json()
    api.wait_state(application["id"])
    refusal = api.call(
        "registration",
        "POST",
        f"/v1/applications/{application['id']}/decision",
        json={"decision": "refuse", "reason": "not \x00 eligible"},
    )
    _assert_refused(refusal, "reason", "NUL")
    assert (
        api.call("registration", "GET", f"/v1/applications/{application['id']}").json()["state"]
        == "nominated"
    )
    for service, path in (
        ("scheduling", "/v1/meetings"),
        ("delegation", f"/v1/meetings/{meeting['id']}/delegations"),
        ("scheduling", f"/v1/meetings/{meeting['id']}/sessions"),
    ):
        _assert_refused(api.call(service, "GET", path, params={"q": "a\x00"}), "query.q", "NUL")


def test_a_csv_line_with_hidden_characters_is_reported_and_the_rest_nominated(api, setting):
    meeting, delegation = setting
    header = ["given_name", "family_name", "email", "category", "nationality"]
    header += ["passport_number", "date_of_birth"]
    rows = [person(), person(given_name=NUL), person(family_name=RIGHT_TO_LEFT), person()]
    api.sent_passports.update(r["passport_number"] for r in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    started = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{meeting['id']}/imports",
        params={"delegation_id": delegation["id"]},
        content=out.getvalue().encode(),
        headers={"content-type": "text/csv"},
    )
    assert started.status_code == 202, started.text
    location = started.headers["location"]

    def finished():
        status = api.call("registration", "GET", location).json()
        return status if status["status"] == "done" else None

    done = wait_for(finished, timeout=60, what="the import to finish")
    assert (done["nominated"], done["failed"]) == (2, 2)
    errors = api.call("registration", "GET", f"{location}/errors").json()["items"]
    assert [(e["line"], e["reason"]) for e in errors] == [
        (3, "given_name: contains the NUL character (U+0000); remove it"),
        (
            4,
            "family_name: contains an invisible text-direction control "
            "(U+202E RIGHT-TO-LEFT OVERRIDE), which can disguise what the text says; remove it",
        ),
    ]


def _meeting(**dates):
    return {
        "title": f"Implausible {uuid.uuid4().hex[:6]}",
        "city": "Moscow",
        "venue": "Centre",
        "timezone": "Europe/Moscow",
        **dates,
    }


@pytest.mark.parametrize(
    ("dates", "field", "words"),
    [
        ({"starts_on": "0001-01-01", "ends_on": "0001-01-02"}, "starts_on", ["2000-01-01"]),
        ({"starts_on": "9999-12-30", "ends_on": "9999-12-31"}, "starts_on", ["check the year"]),
        ({"starts_on": "2025-11-17", "ends_on": "2125-11-17"}, "ends_on", ["check the year"]),
        ({"starts_on": "2025-01-01", "ends_on": "2029-12-31"}, "ends_on", ["at most 60 days"]),
    ],
)
def test_implausible_meeting_dates_are_refused(api, dates, field, words):
    before = api.call("scheduling", "GET", "/v1/meetings").json()["total"]
    response = api.call("scheduling", "POST", "/v1/meetings", json=_meeting(**dates))
    _assert_refused(response, field, *words)
    assert api.call("scheduling", "GET", "/v1/meetings").json()["total"] == before


def test_a_meeting_lasts_at_most_sixty_days(api):
    meeting = api.create_meeting(starts_on="2025-01-01", ends_on="2025-03-01")
    assert (meeting["starts_on"], meeting["ends_on"]) == ("2025-01-01", "2025-03-01")
    longer = _meeting(starts_on="2025-01-01", ends_on="2025-03-02")
    _assert_refused(
        api.call("scheduling", "POST", "/v1/meetings", json=longer),
        "ends_on",
        "a meeting lasts at most 60 days, this one 61",
    )


def test_sessions_and_slots_in_implausible_years_are_refused(api, setting):
    meeting, delegation = setting
    venue = api.call(
        "scheduling",
        "POST",
        f"/v1/meetings/{meeting['id']}/venues",
        json={"name": "Venue", "city": "Moscow", "timezone": "Europe/Moscow"},
    ).json()
    room = api.call(
        "scheduling", "POST", f"/v1/venues/{venue['id']}/rooms", json={"name": "R", "capacity": 5}
    ).json()
    path = f"/v1/meetings/{meeting['id']}/sessions"
    for starts_at, ends_at, field in (
        ("0001-01-01T00:00:00+14:00", "2025-11-17T11:00:00", "starts_at"),
        ("2025-11-17T10:00:00", "9999-12-31T23:59:59-12:00", "ends_at"),
    ):
        session = {
            "title": "Opening",
            "format": "plenary",
            "room_id": room["id"],
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        _assert_refused(api.call("scheduling", "POST", path, json=session), field, "check the year")
    assert api.call("scheduling", "GET", path).json()["total"] == 0
    other = api.register_delegation(meeting["id"])
    bilateral = api.call(
        "scheduling",
        "POST",
        f"/v1/meetings/{meeting['id']}/bilateral-requests",
        json={
            "requester_delegation_id": delegation["id"],
            "counterpart_delegation_id": other["id"],
            "slots": [{"starts_at": "9999-12-31T10:00:00", "ends_at": "9999-12-31T10:30:00"}],
        },
    )
    _assert_refused(bilateral, "slots.0.starts_at", "check the year")


FORMULAS = {
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "+SUM(1+1)": "'+SUM(1+1)",
    "-2+3": "'-2+3",
    "@SUM(1+1)": "'@SUM(1+1)",
}


def test_participants_csv_neutralises_every_formula_prefix(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=20)
    nominated = {}
    for name in FORMULAS:
        response = api.nominate(
            meeting["id"], delegation["id"], family_name=name, phone="+7 701 1234567"
        )
        assert response.status_code == 202, response.text
        nominated[response.json()["id"]] = name
    # tabs and carriage returns around a name are trimmed; inside it they are refused
    trimmed = api.nominate(meeting["id"], delegation["id"], family_name="\t\r=1+2")
    assert trimmed.status_code == 202, trimmed.text
    nominated[trimmed.json()["id"]] = "=1+2"
    _assert_refused(
        api.nominate(meeting["id"], delegation["id"], family_name="A\t=1+2"), "family_name"
    )
    for application_id in nominated:
        api.wait_state(application_id)

    exported = api.call(
        "registration",
        "GET",
        f"/v1/meetings/{meeting['id']}/participants.csv",
        params={"state": "nominated"},
    )
    assert exported.status_code == 200, exported.text
    rows = {r["application_id"]: r for r in csv.DictReader(io.StringIO(exported.text))}
    expected = {**FORMULAS, "=1+2": "'=1+2"}
    assert {i: rows[i]["family_name"] for i in nominated} == {
        i: expected[name] for i, name in nominated.items()
    }
    assert all(
        rows[i]["phone"] == "'+7 701 1234567" for i, name in nominated.items() if name in FORMULAS
    )
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
