"""A focal point reaches only its own delegation: every route of every service, tried with another's ids."""

import asyncio
import csv
import importlib
import io
import os
import re
import uuid
from unittest import mock

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_devstack.testing import person, wait_for
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import Scope, route_action, unguarded_routes, v1_routes
from plenary_shared.errors import Forbidden

SERVICES = ("scheduling", "delegation", "registration", "notification")
# endless answers (server-sent events): read for a while, then judged like any other answer
STREAMS = {"/v1/stream"}
OWNED = (
    "delegation_id",
    "application_id",
    "import_id",
    "focal_point_id",
    "session_id",
    "request_id",
)

# valid bodies, so that a refusal comes from the ownership check and not from validation
BODIES = {
    ("patch", "/v1/delegations/{delegation_id}"): {"head_name": "Somebody Else"},
    ("patch", "/v1/delegations/{delegation_id}/quotas"): {"quota": 0},
    ("post", "/v1/delegations/{delegation_id}/withdrawal"): {"reason": "Not ours to withdraw"},
    ("post", "/v1/delegations/{delegation_id}/focal-points"): {
        "email": "intruder@example.org",
        "name": "I",
    },
    ("post", "/v1/delegations/{delegation_id}/movements"): {
        "direction": "arrival",
        "mode": "flight",
        "place": "Vnukovo",
        "scheduled_at": "2025-11-16T14:35:00",
        "persons": 3,
    },
    ("put", "/v1/delegations/{delegation_id}/accommodation"): {
        "hotel": "Elsewhere",
        "rooms": 2,
        "check_in": "2025-11-16",
        "check_out": "2025-11-19",
    },
    ("put", "/v1/delegations/{delegation_id}/liaison"): {
        "name": "Someone",
        "phone": "+7 495 1234567",
        "email": "liaison@example.org",
    },
    ("put", "/v1/delegations/{delegation_id}/waiting-list"): {"by_default": True},
    ("patch", "/v1/applications/{application_id}"): {"family_name": "Renamed"},
    ("post", "/v1/applications/{application_id}/decision"): {
        "decision": "refuse",
        "reason": "Not yours",
    },
    ("post", "/v1/applications/{application_id}/withdrawal"): {"reason": "Not yours"},
    ("post", "/v1/applications/{application_id}/revocation"): {"reason": "Not yours"},
    ("post", "/v1/applications/{application_id}/vetting"): {
        "outcome": "flagged",
        "note": "Not yours",
    },
    ("post", "/v1/applications/{application_id}/badge/reissue"): {},
    ("patch", "/v1/sessions/{session_id}"): {"title": "Taken over"},
    ("post", "/v1/sessions/{session_id}/cancellation"): {"reason": "Not yours"},
    ("post", "/v1/sessions/{session_id}/attendance"): {
        "application_ids": ["00000000-0000-4000-8000-000000000009"]
    },
    ("post", "/v1/bilateral-requests/{request_id}/decline"): {"reason": "Not yours"},
    ("post", "/v1/bilateral-requests/{request_id}/counter-proposal"): {
        "slots": [{"starts_at": "2025-11-17T16:00:00", "ends_at": "2025-11-17T16:30:00"}]
    },
}


@pytest.fixture(scope="module")
def two_delegations(api):
    meeting = api.create_meeting()
    mine = api.register_delegation(meeting["id"], quota=5)
    theirs = api.register_delegation(meeting["id"], quota=5)
    application = api.nominate(meeting["id"], theirs["id"]).json()
    api.wait_state(application["id"])
    api.call(
        "registration",
        "POST",
        f"/v1/applications/{application['id']}/decision",
        json={"decision": "grant"},
    )
    badge = wait_for(
        lambda: (
            api.call("registration", "GET", f"/v1/applications/{application['id']}/badge")
            .json()
            .get("badge_number")
        ),
        what="the badge",
    )
    fp = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{theirs['id']}/focal-points",
        json={"email": "fp.theirs@example.org", "name": "Their focal point"},
    ).json()
    rows = io.StringIO()
    writer = csv.DictWriter(
        rows,
        fieldnames=[
            "given_name",
            "family_name",
            "email",
            "category",
            "nationality",
            "passport_number",
            "date_of_birth",
        ],
    )
    writer.writeheader()
    writer.writerow({k: v for k, v in person().items() if k in writer.fieldnames})
    started = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{meeting['id']}/imports",
        params={"delegation_id": theirs["id"]},
        content=rows.getvalue().encode(),
    )
    import_id = started.json()["id"]
    wait_for(
        lambda: (
            api.call("registration", "GET", f"/v1/imports/{import_id}").json()["status"] == "done"
            and api.call("delegation", "GET", f"/v1/delegations/{theirs['id']}").json()[
                "quota_used"
            ]
            == 2
        ),
        what="their import to be nominated",
    )
    timetable = _their_timetable(api, meeting["id"], theirs["id"], application["id"])
    ids = {
        **timetable,
        "meeting_id": meeting["id"],
        "delegation_id": theirs["id"],
        "application_id": application["id"],
        "import_id": import_id,
        "focal_point_id": fp["id"],
        "subscription_id": "00000000-0000-4000-8000-000000000000",
        "invitation_id": "00000000-0000-4000-8000-000000000001",
        "account_id": "00000000-0000-4000-8000-000000000002",
        "delivery_id": "00000000-0000-4000-8000-000000000003",
        "dead_letter_id": "1",
    }
    return ids, mine, badge


def _their_timetable(api, meeting_id, delegation_id, application_id):
    """A venue, a bilateral room, a restricted session with their head and their participant, a
    published version and a bilateral request of theirs with a third delegation."""

    def post(path, body):
        response = api.call("scheduling", "POST", path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    venue = post(
        f"/v1/meetings/{meeting_id}/venues",
        {"name": "Their venue", "city": "Moscow", "timezone": "Europe/Moscow"},
    )
    room = post(f"/v1/venues/{venue['id']}/rooms", {"name": "R", "capacity": 9, "bilateral": True})
    third = api.register_delegation(meeting_id, quota=1)
    wait_for(
        lambda: all(
            api.call("scheduling", "GET", f"/v1/delegations/{d}/sessions").status_code == 200
            for d in (delegation_id, third["id"])
        ),
        what="scheduling to learn of the delegations",
    )
    wait_for(
        lambda: (
            api.call("scheduling", "GET", f"/v1/participants/{application_id}/sessions").status_code
            == 200
        ),
        what="scheduling to learn of their participant",
    )
    session = post(
        f"/v1/meetings/{meeting_id}/sessions",
        {
            "title": "Their restricted talks",
            "format": "restricted",
            "room_id": room["id"],
            "starts_at": "2025-11-17T09:00:00",
            "ends_at": "2025-11-17T10:00:00",
            "visibility": "restricted",
            "head_delegation_ids": [delegation_id],
        },
    )
    post(f"/v1/sessions/{session['id']}/attendance", {"application_ids": [application_id]})
    post(f"/v1/meetings/{meeting_id}/versions", {"note": "v1"})
    request = post(
        f"/v1/meetings/{meeting_id}/bilateral-requests",
        {
            "requester_delegation_id": delegation_id,
            "counterpart_delegation_id": third["id"],
            "slots": [{"starts_at": "2025-11-17T12:00:00", "ends_at": "2025-11-17T12:30:00"}],
        },
    )
    return {
        "venue_id": venue["id"],
        "room_id": room["id"],
        "session_id": session["id"],
        "request_id": request["id"],
        "number": "1",
    }


def _streamed(api, service, path, *, token) -> httpx.Response:
    """A live stream read from its start until it has been quiet for two seconds."""
    seen = b""
    timeout = httpx.Timeout(10, read=2)
    with (
        httpx.Client(base_url=api.platform.url(service), timeout=timeout) as http,
        http.stream(
            "GET", path, params={"after": 0}, headers={"authorization": f"Bearer {token}"}
        ) as response,
    ):
        try:
            for chunk in response.iter_bytes():
                seen += chunk
        except httpx.ReadTimeout:
            pass
    return httpx.Response(response.status_code, content=seen)


def _snapshot(api, ids):
    """What the other delegation has: any change by the intruder would show here."""
    return (
        api.call("scheduling", "GET", f"/v1/sessions/{ids['session_id']}").json(),
        api.call("scheduling", "GET", f"/v1/sessions/{ids['session_id']}/attendance").json(),
        api.call("scheduling", "GET", f"/v1/bilateral-requests/{ids['request_id']}").json(),
        api.call("delegation", "GET", f"/v1/delegations/{ids['delegation_id']}").json(),
        api.call(
            "delegation", "GET", f"/v1/delegations/{ids['delegation_id']}/focal-points"
        ).json(),
        api.call("delegation", "GET", f"/v1/delegations/{ids['delegation_id']}/movements").json(),
        api.call("registration", "GET", f"/v1/applications/{ids['application_id']}").json(),
        api.call("registration", "GET", f"/v1/applications/{ids['application_id']}/badge").json()[
            "badge_number"
        ],
    )


def test_every_route_refuses_another_delegations_ids(api, two_delegations):
    ids, mine, badge = two_delegations
    intruder = api.token_for("focal_point", delegation_id=mine["id"], subject="fp-intruder")
    before = _snapshot(api, ids)
    assert before[-1] == badge
    secrets = {
        ids["delegation_id"],
        ids["application_id"],
        ids["import_id"],
        ids["focal_point_id"],
        ids["session_id"],
        ids["request_id"],
    }
    tried = 0
    for service in SERVICES:
        spec = api.call(service, "GET", "/openapi.json").json()
        for path, item in spec["paths"].items():
            if not path.startswith("/v1"):
                continue
            params = re.findall(r"{(\w+)}", path)
            assert set(params) <= set(ids), f"add an id for {params} of {path} to this test"
            concrete = path.format(**ids)
            for method in item:
                body = BODIES.get(
                    (method, path), {} if method in ("post", "put", "patch") else None
                )
                if path in STREAMS:
                    response = _streamed(api, service, concrete, token=intruder)
                else:
                    response = api.call(
                        service, method.upper(), concrete, token=intruder, json=body
                    )
                where = (service, method, path, response.status_code, response.text[:200])
                tried += 1
                if any(p in OWNED for p in params):
                    assert response.status_code in (403, 404), where
                elif response.status_code < 300:
                    assert method == "get", where
                    assert not any(s in response.text for s in secrets), where
                else:
                    assert response.status_code in (403, 404, 409, 422), where
    assert tried > 50
    assert _snapshot(api, ids) == before


# --- the generated matrix: every route of every app's own route table, for every role ----------

ROLES = {
    # name: (role, claims); MINE / THEIRS are filled in from the fixture
    "organiser": ("organiser", {}),
    "accreditation desk": ("accreditation_desk", {}),
    "focal point": ("focal_point", {"delegation_id": "MINE"}),
    "focal point without delegation_id": ("focal_point", {}),
    "participant with their delegation_id": ("participant", {"delegation_id": "THEIRS"}),
    "participant": ("participant", {}),
}
# counted only, not hashed: these change by themselves as the messaging machinery works
BUSY_TABLES = {"inbox", "dead_letters", "parked", "alembic_version"}


def _apps(platform):
    """Each service's app as its composition root builds it (no lifespan: nothing starts)."""

    async def build():  # aiokafka makes its producer only inside a running loop
        apps = {}
        for service in SERVICES:
            main = importlib.import_module(f"plenary_{service}.main")
            env = {k: v for k, v in platform.service_env(service).items() if k.isupper()}
            with mock.patch.dict(os.environ, env):
                apps[service] = main.create_app()
        return apps

    return asyncio.run(build())


async def _fingerprints(platform) -> dict[str, tuple]:
    """Every table of every service's schema: row count and a hash of its rows."""
    seen = {}
    for service in SERVICES:
        engine = create_async_engine(platform.service_urls[service])
        try:
            async with engine.connect() as conn:
                tables = (
                    await conn.scalars(
                        sa.text(
                            "SELECT table_name FROM information_schema.tables"
                            " WHERE table_schema = :s AND table_type = 'BASE TABLE'"
                        ),
                        {"s": service},
                    )
                ).all()
                for table in tables:
                    name = f'"{service}"."{table}"'
                    digest = (
                        "''"
                        if table in BUSY_TABLES
                        else "coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')"
                    )
                    row = (
                        await conn.execute(sa.text(f"SELECT count(*), md5({digest}) FROM {name} t"))
                    ).one()
                    seen[f"{service}.{table}"] = tuple(row)
        finally:
            await engine.dispose()
    return seen


def _quiet_fingerprints(platform) -> dict[str, tuple]:
    """The fingerprints once the platform has stopped changing by itself (events all handled)."""
    last = asyncio.run(_fingerprints(platform))

    def settled():
        nonlocal last
        now = asyncio.run(_fingerprints(platform))
        same, last = now == last, now
        return same

    wait_for(settled, what="the platform to settle", interval=1.0)
    return last


def _expected(policy, action, principal) -> Scope | None:
    """The scope the policy grants, or None for a refusal."""
    try:
        return policy.grant(principal, action).scope
    except Forbidden:
        return None


def test_the_generated_matrix_matches_every_services_declared_policy(api, two_delegations):
    ids, mine, _badge = two_delegations
    apps = _apps(api.platform)
    for service, app in apps.items():
        assert unguarded_routes(app, app.state.policy) == [], service
    claims = {"MINE": mine["id"], "THEIRS": ids["delegation_id"]}
    people = {}
    for name, (role, wanted) in ROLES.items():
        delegation = claims[wanted["delegation_id"]] if "delegation_id" in wanted else None
        subject = str(uuid.uuid4()) if role == "participant" else f"matrix-{role}"
        token = api.token_for(role, delegation_id=delegation, subject=subject)
        people[name] = (
            token,
            Principal(subject=subject, role=Role(role), delegation_id=delegation, token=token),
        )
    secrets = {ids[k] for k in OWNED}
    before = _quiet_fingerprints(api.platform)
    staff_calls, tried, refusals = [], 0, 0
    for service, app in apps.items():
        policy = app.state.policy
        for method, path, route in v1_routes(app):
            action = route_action(route)
            if action is None:
                continue  # declared public: reached without a token, tried elsewhere
            params = re.findall(r"{(\w+)}", path)
            assert set(params) <= set(ids), f"add an id for {params} of {path} to this test"
            concrete = path.format(**ids)
            body = BODIES.get(
                (method.lower(), path), {} if method in ("POST", "PUT", "PATCH") else None
            )
            for name, (token, principal) in people.items():
                scope = _expected(policy, action, principal)
                if scope is Scope.ALL:
                    staff_calls.append((service, method, path, concrete, body, name, token))
                    continue
                if path in STREAMS and scope is not None:
                    response = _streamed(api, service, concrete, token=token)
                else:
                    response = api.call(service, method, concrete, token=token, json=body)
                tried += 1
                where = (
                    service,
                    method,
                    path,
                    name,
                    action,
                    response.status_code,
                    response.text[:200],
                )
                if scope is None:
                    refusals += 1
                    assert response.status_code == 403, where
                elif any(p in OWNED for p in params):
                    assert response.status_code in (403, 404), where
                elif response.status_code < 300:
                    assert method == "GET", where
                    # a token's own claims may be echoed back to it (GET /v1/auth/me)
                    hidden = secrets - {str(principal.delegation_id)}
                    assert not any(s in response.text for s in hidden), where
                else:
                    assert response.status_code in (403, 404, 409, 422), where
    after = _quiet_fingerprints(api.platform)
    changed = {
        k: (before.get(k), after.get(k))
        for k in before.keys() | after.keys()
        if before.get(k) != after.get(k)
    }
    assert changed == {}, changed
    for service, method, path, concrete, body, name, token in staff_calls:
        if path in STREAMS:
            response = _streamed(api, service, concrete, token=token)
        else:
            response = api.call(service, method, concrete, token=token, json=body)
        tried += 1
        assert response.status_code not in (401, 403), (
            service,
            method,
            path,
            name,
            response.text[:200],
        )
        assert response.status_code < 500, (service, method, path, name, response.text[:200])
    routes = sum(1 for app in apps.values() for *_, r in v1_routes(app) if route_action(r))
    summary = (
        f"{routes} routes x {len(ROLES)} roles = {tried} requests, {refusals} refused by policy"
    )
    (api.platform.root / "access-matrix.txt").write_text(summary + "\n")
    assert tried == routes * len(ROLES)
