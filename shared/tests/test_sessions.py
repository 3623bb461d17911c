"""A token's session id (`sid`) is checked once per request against the service's ended sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import MetaData

from plenary_shared import topics
from plenary_shared.auth import (
    Principal,
    Role,
    TokenVerifier,
    current_principal,
    generate_key_pair,
    mint_token,
)
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import catalogue
from plenary_shared.events.registration import SessionEnded
from plenary_shared.messaging_tables import messaging_tables
from plenary_shared.runtime import _with_ended_sessions


class FakeEnded:
    """Ended sessions in memory, counting lookups."""

    def __init__(self, *ended: uuid.UUID) -> None:
        self.ended = set(ended)
        self.lookups = 0

    async def contains(self, session_id: uuid.UUID) -> bool:
        self.lookups += 1
        return session_id in self.ended


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_key_pair()


def _app(keys: tuple[str, str], ended: FakeEnded) -> TestClient:
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(
        public_key_pem=keys[1], audience="plenary", issuer="plenary"
    )
    app.state.ended_sessions = ended

    @app.get("/who", dependencies=[Depends(current_principal)])
    async def who(principal: Principal = Depends(current_principal)) -> dict:
        return {"sid": str(principal.session_id)}

    return TestClient(app)


def _token(keys: tuple[str, str], sid: uuid.UUID | None) -> str:
    return mint_token(private_key_pem=keys[0], role=Role.ORGANISER, subject="o", session_id=sid)


def test_a_signed_out_sessions_token_is_refused_with_one_lookup(keys):
    live, ended_sid = uuid.uuid4(), uuid.uuid4()
    ended = FakeEnded(ended_sid)
    http = _app(keys, ended)
    answer = http.get("/who", headers={"Authorization": f"Bearer {_token(keys, live)}"})
    assert answer.status_code == 200 and answer.json() == {"sid": str(live)}
    assert ended.lookups == 1  # the route and the router both depend on it: looked up once
    refused = http.get("/who", headers={"Authorization": f"Bearer {_token(keys, ended_sid)}"})
    assert refused.status_code == 401
    assert refused.json()["detail"] == "this session was signed out; sign in again"


def test_a_token_without_a_session_is_not_looked_up(keys):
    ended = FakeEnded()
    answer = _app(keys, ended).get(
        "/who", headers={"Authorization": f"Bearer {_token(keys, None)}"}
    )
    assert answer.status_code == 200 and ended.lookups == 0


def test_a_session_id_that_is_not_a_uuid_makes_the_token_invalid(keys):
    claims = jwt.decode(_token(keys, uuid.uuid4()), options={"verify_signature": False})
    key = serialization.load_pem_private_key(keys[0].encode(), password=None)
    forged = jwt.encode({**claims, "sid": "not-a-uuid"}, key, algorithm="EdDSA")
    answer = _app(keys, FakeEnded()).get("/who", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401


def test_the_event_is_in_the_catalogue_on_the_accounts_topic():
    assert catalogue()["registration.session.ended"] is SessionEnded
    assert SessionEnded.topic == topics.ACCOUNTS


async def _noop(uow, event) -> None:
    return None


def test_every_service_reads_ended_sessions_on_its_express_lane():
    tables = messaging_tables(MetaData(schema="anything"))
    handlers, express = _with_ended_sessions(tables, {"x.y.z": _noop}, (topics.SCHEDULING,), ())
    assert set(handlers) == {"x.y.z", SessionEnded.event_type}
    assert express == (topics.ACCOUNTS,)
    # a service that reads the accounts topic already keeps its lanes
    _, express = _with_ended_sessions(tables, {}, (topics.SCHEDULING,), (topics.ACCOUNTS,))
    assert express == (topics.ACCOUNTS,)


class _Conn:
    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute(self, statement) -> None:
        self.statements.append(str(statement))


class _Uow:
    def __init__(self) -> None:
        self.conn = _Conn()


async def test_the_handler_records_the_session_and_keeps_the_services_own_handling():
    tables = messaging_tables(MetaData(schema="anything"))
    seen: list[str] = []

    async def own(uow, event) -> None:
        seen.append(event.type)

    handlers, _ = _with_ended_sessions(tables, {SessionEnded.event_type: own}, (), ())
    sid = uuid.uuid4()
    payload = SessionEnded(sid=sid, account_id=uuid.uuid4(), expires_at=datetime.now(UTC))
    event = CloudEvent(
        source="/plenary/registration",
        type=SessionEnded.event_type,
        subject=str(sid),
        data=payload.model_dump(mode="json"),
    )
    uow = _Uow()
    await handlers[SessionEnded.event_type](uow, event)
    assert seen == [SessionEnded.event_type]
    assert "INSERT INTO anything.ended_sessions" in uow.conn.statements[0]
    assert "DELETE FROM anything.ended_sessions" in uow.conn.statements[1]
