"""Schemathesis against each service's own OpenAPI document: no 5xx, every answer as documented."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import HealthCheck
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plenary_devstack.testing import Api

SERVICES = ("scheduling", "delegation", "registration", "notification")
ROLES = ("organiser", "focal_point")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# generated cases per operation and phase: small, so four services and two roles take minutes
MAX_EXAMPLES = 5
# failed sign-ins throttle this (documentation) address, not the 127.0.0.1 other tests sign in from
FUZZER_ADDRESS = "203.0.113.7"
# generated webhook targets could resolve on the internet: they all go to a closed local port
WEBHOOK_URL = "http://127.0.0.2:9/generated"


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, str]:
    """A meeting and a delegation whose ids the generated requests use, and each role's token."""
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    return {
        "meeting_id": meeting["id"],
        "delegation_id": delegation["id"],
        "organiser": api.token,
        "focal_point": api.token_for("focal_point", delegation_id=delegation["id"]),
    }


@pytest.fixture(scope="module", params=[(s, r) for s in SERVICES for r in ROLES], ids="-".join)
def service_schema(request: pytest.FixtureRequest, api: Api, world: dict[str, str]):
    """One service's OpenAPI document from the running platform, called with one role's token."""
    service, role = request.param
    base_url = api.platform.url(service)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=20)
    schema.config.update(
        base_url=base_url,
        headers={"Authorization": f"Bearer {world[role]}", "X-Forwarded-For": FUZZER_ADDRESS},
        request_timeout=20,
        suppress_health_check=[HealthCheck.all],
    )
    schema.config.generation.update(
        max_examples=MAX_EXAMPLES, no_shrink=True, deterministic=True, database="none"
    )
    # the organiser's run adds boundary values (coverage); focal points mostly meet refusals
    phases = ["examples", "coverage", "fuzzing"] if role == "organiser" else ["examples", "fuzzing"]
    schema.config.phases.update(phases=phases)
    schema.config.phases.coverage.generation.update(modes=["positive"])
    schema.config.phases.coverage.unexpected_methods = set()
    # the real meeting and delegation, so requests reach past "no such meeting"
    schema.config.parameters.update(
        {"meeting_id": world["meeting_id"], "delegation_id": world["delegation_id"]}
    )
    return schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32 relabels the test through `Node._nodeid`, which pytest 9.2 no longer has."""
    request.node._nodeid = request.node.nodeid


# server-sent event streams never end; everything else is generated
schema = schemathesis.pytest.from_fixture("service_schema").exclude(path="/v1/stream")


@schema.parametrize()
@pytest.mark.timeout(600)
def test_every_operation_answers_as_documented(case, tally: Counter[str]) -> None:
    """No generated request gets a 5xx or an answer its operation does not document."""
    if isinstance(case.body, dict) and "url" in case.body:
        case.body["url"] = WEBHOOK_URL
    response = case.call()
    tally["requests"] += 1
    tally["5xx"] += response.status_code >= 500
    case.validate_response(response, checks=CHECKS)
