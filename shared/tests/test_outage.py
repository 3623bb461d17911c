"""An unreachable database or broker is an outage (hold and wait, answer 503), not a failed event."""

import asyncio
import struct
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaProducer
from aiokafka import errors as kafka_errors
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_shared.consumer import is_transient
from plenary_shared.errors import PROBLEM_JSON, install_error_handlers
from plenary_shared.outage import sqlstate

SSL_REQUEST = 80877103


def _error_response(code: str, message: str) -> bytes:
    fields = [(b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message)]
    body = b"".join(k + v.encode() + b"\0" for k, v in fields) + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


@asynccontextmanager
async def postgres_answering(code: str | None, message: str = "refused"):
    """A server speaking the Postgres protocol that refuses every connection with `code`.

    Without a code it drops each connection as soon as it is made.
    """

    async def handle(reader, writer):
        if code is None:
            writer.transport.abort()
            return
        (n,) = struct.unpack("!I", await reader.readexactly(4))
        rest = await reader.readexactly(n - 4)
        if n == 8 and struct.unpack("!I", rest)[0] == SSL_REQUEST:
            writer.write(b"N")
            (n,) = struct.unpack("!I", await reader.readexactly(4))
            await reader.readexactly(n - 4)
        writer.write(_error_response(code, message))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"postgresql+asyncpg://u:p@127.0.0.1:{server.sockets[0].getsockname()[1]}/db"
    finally:
        server.close()


async def _error_of(url: str) -> Exception:
    """The exception SQLAlchemy raises when a query meets this database."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return exc
    finally:
        await engine.dispose()
    raise AssertionError("the query went through")


async def _refusal(code: str, message: str = "refused") -> Exception:
    async with postgres_answering(code, message) as url:
        return await _error_of(url)


async def test_a_database_starting_up_or_in_recovery_is_an_outage():
    exc = await _refusal("57P03", "the database system is starting up")
    assert sqlstate(exc) == "57P03"
    assert is_transient(exc)


async def test_a_database_shutting_down_or_crashed_is_an_outage():
    for code in ("57P01", "57P02"):
        assert is_transient(await _refusal(code)), code


async def test_connection_exceptions_of_class_08_are_outages():
    for code in ("08006", "08001", "08004"):
        assert is_transient(await _refusal(code)), code


async def test_a_refused_or_reset_connection_is_an_outage():
    async with postgres_answering(None) as url:
        reset = await _error_of(url)
    async with postgres_answering(None) as url:
        pass
    refused = await _error_of(url)  # the port no longer listens
    assert is_transient(reset), repr(reset)
    assert is_transient(refused), repr(refused)


async def test_an_unavailable_broker_is_an_outage():
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", request_timeout_ms=500)
    try:
        await producer.start()
    except Exception as exc:
        assert isinstance(exc, kafka_errors.KafkaConnectionError)
        assert is_transient(exc)
    finally:
        await producer.stop()
    for exc in (
        kafka_errors.NodeNotReadyError(),
        kafka_errors.RequestTimedOutError(),
        kafka_errors.KafkaTimeoutError(),
        kafka_errors.LeaderNotAvailableError(),
        kafka_errors.NotLeaderForPartitionError(),
    ):
        assert is_transient(exc), repr(exc)


async def test_an_error_of_the_work_itself_is_not_an_outage():
    duplicate = await _refusal("23505", "duplicate key value")
    assert sqlstate(duplicate) == "23505"
    assert not is_transient(duplicate)
    assert not is_transient(await _refusal("22P02", "invalid input syntax"))
    assert not is_transient(kafka_errors.CommitFailedError())
    assert not is_transient(ValueError("bad payload"))


def _app_failing_with(exc: Exception, *, raise_server_exceptions: bool = False) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/v1/things")
    async def create() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=raise_server_exceptions)


async def test_an_api_whose_database_is_unreachable_answers_503_with_retry_after():
    for code in ("57P03", "08006"):
        response = _app_failing_with(await _refusal(code)).post("/v1/things")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM_JSON
        seconds = int(response.headers["retry-after"])
        assert seconds > 0
        body = response.json()
        assert body["status"] == 503 and body["retry_after"] == seconds
        assert body["detail"] == (
            "The database is not reachable right now; nothing was saved. "
            f"Try again in {seconds} seconds."
        )
    # answered, not re-raised: no traceback per request in the log during an outage
    refused = _app_failing_with(ConnectionRefusedError(), raise_server_exceptions=True)
    assert refused.post("/v1/things").status_code == 503


async def test_a_bug_still_answers_500_without_retry_after():
    response = _app_failing_with(await _refusal("23505")).post("/v1/things")
    assert response.status_code == 500
    assert "retry-after" not in response.headers
