"""Which failures mean the database or the broker is not there (an outage), not a fault of the work."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

# seconds a client is told to wait while the database is unreachable
RETRY_AFTER_SECONDS = 5

# 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up or in
# recovery), 57P04 database dropped, 57P05 idle session timeout; 53300 too many connections
_OUTAGE_STATES = {"57P01", "57P02", "57P03", "57P04", "57P05", "53300"}


def sqlstate(exc: BaseException) -> str | None:
    """The Postgres SQLSTATE of an error, looked up through SQLAlchemy's and asyncpg's wrappers."""
    for e in _chain(exc):
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(code, str) and code:
            return code
    return None


def is_outage(exc: BaseException) -> bool:
    """Whether a failure says the database or broker is unreachable, not that the work is wrong."""
    chain = _chain(exc)
    if any(isinstance(e, DBAPIError) and e.connection_invalidated for e in chain):
        return True
    code = sqlstate(exc)
    if code is not None:
        return code.startswith("08") or code in _OUTAGE_STATES
    return any(_unreachable(e) for e in chain)


def _unreachable(exc: BaseException) -> bool:
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    if isinstance(exc, DBAPIError):
        # an InterfaceError on a live connection is a bug (too many parameters, say): retrying
        # it for ever would hold the partition, so only a lost connection counts as an outage
        return isinstance(exc, OperationalError)
    return _is_broker_unavailable(exc)


def _is_broker_unavailable(exc: BaseException) -> bool:
    from aiokafka import errors

    if isinstance(exc, errors.KafkaConnectionError | errors.KafkaTimeoutError):
        return True
    # NodeNotReady, RequestTimedOut, LeaderNotAvailable, NotLeaderForPartition and the like
    return isinstance(exc, errors.KafkaError) and bool(getattr(exc, "retriable", False))


def _chain(exc: BaseException) -> list[BaseException]:
    """The error, what it wraps (`orig`) and what caused it, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 10:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [getattr(e, "orig", None), e.__cause__]
    return seen
