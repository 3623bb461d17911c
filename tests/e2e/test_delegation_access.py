"""The delegation service's policy: participants reach nothing, a focal point needs its claim."""

import re

import pytest

from plenary_devstack.testing import wait_for

MOVEMENTS = "/v1/delegations/{delegation_id}/movements"
ACCOMMODATION = "/v1/delegations/{delegation_id}/accommodation"
LIAISON = "/v1/delegations/{delegation_id}/liaison"

# valid bodies, so that a refusal comes from the policy and not from validation
BODIES = {
    ("post", "/v1/meetings/{meeting_id}/delegations"): {
        "name": "Intruders",
        "kind": "member",
        "quota": 1,
    },
    ("patch", "/v1/delegations/{delegation_id}"): {"head_name": "Somebody Else"},
    ("patch", "/v1/delegations/{delegation_id}/quotas"): {"quota": 9},
    ("post", "/v1/delegations/{delegation_id}/withdrawal"): {"reason": "Not ours to withdraw"},
    ("post", "/v1/delegations/{delegation_id}/focal-points"): {
        "email": "intruder@example.org",
        "name": "I",
    },
    ("post", MOVEMENTS): {
        "direction": "arrival",
        "mode": "flight",
        "carrier": "Aeroflot",
        "number": "SU 1234",
        "place": "SVO",
        "scheduled_at": "2025-11-16T14:35:00",
        "persons": 3,
    },
    ("put", ACCOMMODATION): {
        "hotel": "Elsewhere",
        "rooms": 2,
        "check_in": "2025-11-16",
        "check_out": "2025-11-19",
    },
    ("put", LIAISON): {
        "name": "Someone",
        "phone": "+7 495 1234567",
        "email": "liaison@example.org",
    },
    ("put", "/v1/delegations/{delegation_id}/waiting-list"): {"by_default": True},
}
# what a focal point may do for its own delegation (the README's role table)
FOCAL_POINT_ROUTES = {
    ("get", "/v1/meetings/{meeting_id}/delegations"),
    ("get", "/v1/delegations/{delegation_id}"),
    ("get", "/v1/delegations/{delegation_id}/waiting-list"),
    ("put", "/v1/delegations/{delegation_id}/waiting-list"),
    ("get", "/v1/delegations/{delegation_id}/focal-points"),
    ("post", MOVEMENTS),
    ("get", MOVEMENTS),
    ("put", ACCOMMODATION),
    ("get", ACCOMMODATION),
    ("get", LIAISON),
}


@pytest.fixture(scope="module")
def delegation(api):
    """A delegation with a focal point, a journey, a hotel and a liaison officer, and a neighbour."""
    meeting = api.create_meeting()
    ours = api.register_delegation(meeting["id"], quota=3, name="Ours Access")
    neighbour = api.register_delegation(meeting["id"], quota=3, name="Neighbour Access")
    ids = {"delegation_id": ours["id"]}

    def made(method, template, body):
        response = api.call("delegation", method, template.format(**ids), json=body)
        return response if response.status_code in (200, 201) else None

    focal_point = made(
        "POST",
        "/v1/delegations/{delegation_id}/focal-points",
        {"email": "fp.access@example.org", "name": "Their focal point"},
    )
    assert focal_point is not None
    wait_for(
        lambda: made("POST", MOVEMENTS, BODIES[("post", MOVEMENTS)]),
        what="the delegation service to know the meeting",
    )
    assert made("PUT", ACCOMMODATION, BODIES[("put", ACCOMMODATION)]) is not None
    assert made("PUT", LIAISON, BODIES[("put", LIAISON)]) is not None
    ids |= {
        "meeting_id": meeting["id"],
        "focal_point_id": focal_point.json()["id"],
        "dead_letter_id": "1",
    }
    return ids, neighbour


def _routes(api):
    """(method, path template) of every /v1 route of the delegation service."""
    spec = api.call("delegation", "GET", "/openapi.json").json()
    for path, item in spec["paths"].items():
        if path.startswith("/v1"):
            for method in item:
                yield method, path


def _try_all(api, ids, token, *, only=None):
    """Every delegation route with the delegation's own ids: {route: status}."""
    seen = {}
    for method, path in _routes(api):
        if only is not None and (method, path) not in only:
            continue
        assert set(re.findall(r"{(\w+)}", path)) <= set(ids), f"add an id for {path}"
        body = BODIES.get((method, path), {} if method in ("post", "put", "patch") else None)
        response = api.call(
            "delegation", method.upper(), path.format(**ids), token=token, json=body
        )
        seen[f"{method} {path}"] = response.status_code
    return seen


def _snapshot(api, ids):
    """What the delegation has: a change by a refused caller would show here."""
    base = f"/v1/delegations/{ids['delegation_id']}"
    paths = [
        f"/v1/meetings/{ids['meeting_id']}/delegations",
        base,
        f"{base}/focal-points",
        f"{base}/movements",
        f"{base}/accommodation",
        f"{base}/liaison",
        f"{base}/waiting-list",
    ]
    return [api.call("delegation", "GET", p).json() for p in paths]


def test_a_focal_point_token_without_a_delegation_lists_nothing(api, delegation):
    ids, neighbour = delegation
    claimless = api.token_for("focal_point", subject="fp-without-claim")
    listed = api.call(
        "delegation", "GET", f"/v1/meetings/{ids['meeting_id']}/delegations", token=claimless
    )
    assert listed.status_code == 403, listed.text
    assert "delegation_id claim" in listed.json()["detail"]
    assert neighbour["name"] not in listed.text and ids["delegation_id"] not in listed.text
    before = _snapshot(api, ids)
    seen = _try_all(api, ids, claimless)
    assert {route: status for route, status in seen.items() if status != 403} == {}
    assert _snapshot(api, ids) == before


def test_a_participant_with_a_delegation_claim_gets_no_focal_point_power(api, delegation):
    ids, _ = delegation
    participant = api.token_for(
        "participant",
        delegation_id=ids["delegation_id"],
        subject="00000000-0000-4000-8000-00000000000a",
    )
    before = _snapshot(api, ids)
    seen = _try_all(api, ids, participant)
    assert len(seen) > 15
    assert {route: status for route, status in seen.items() if status != 403} == {}
    assert _snapshot(api, ids) == before


def test_a_focal_point_does_its_part_for_its_own_delegation_only(api, delegation):
    ids, neighbour = delegation
    focal = api.token_for("focal_point", delegation_id=ids["delegation_id"], subject="fp-own")
    listed = api.call(
        "delegation", "GET", f"/v1/meetings/{ids['meeting_id']}/delegations", token=focal
    )
    assert [d["id"] for d in listed.json()["items"]] == [ids["delegation_id"]]
    reads = {(m, p) for m, p in FOCAL_POINT_ROUTES if m == "get"}
    assert set(_try_all(api, ids, focal, only=reads).values()) == {200}
    before = _snapshot(api, ids)
    organisers_only = {route for route in _routes(api) if route not in FOCAL_POINT_ROUTES}
    seen = _try_all(api, ids, focal, only=organisers_only)
    assert len(seen) >= 10
    assert {route: status for route, status in seen.items() if status != 403} == {}
    assert _snapshot(api, ids) == before
    theirs = {**ids, "delegation_id": neighbour["id"]}
    listing = ("get", "/v1/meetings/{meeting_id}/delegations")
    assert set(_try_all(api, theirs, focal, only=reads - {listing}).values()) == {404}
