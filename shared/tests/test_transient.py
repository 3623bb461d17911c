"""Which failures hold a partition as an outage, and which are the event's (retried, then dead)."""

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from plenary_shared.consumer import is_transient


def test_a_lost_connection_or_timeout_is_an_outage():
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert is_transient(OperationalError("select 1", {}, Exception("server closed")))
    lost = InterfaceError("select 1", {}, Exception("connection is closed"))
    lost.connection_invalidated = True
    assert is_transient(lost)


def test_a_bug_on_a_live_connection_is_not_an_outage():
    too_many = InterfaceError(
        "insert", {}, Exception("the number of query arguments cannot exceed 32767")
    )
    assert not is_transient(too_many)
    assert not is_transient(IntegrityError("insert", {}, Exception("duplicate key")))
    assert not is_transient(ValueError("bad payload"))
