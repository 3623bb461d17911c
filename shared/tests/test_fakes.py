"""The fake unit of work behaves as the real one where a use case can tell."""

import uuid

import pytest

from plenary_shared.events.delegation import DelegationRegistered
from plenary_shared.fakes import FakeUnitOfWork, load_beside


def _registered() -> DelegationRegistered:
    return DelegationRegistered(
        delegation_id=uuid.uuid4(),
        meeting_id=uuid.uuid4(),
        name="Kazakhstan",
        country_code="KZ",
        kind="member_state",
        quota=3,
    )


async def test_emitted_events_carry_the_envelope_and_the_cause() -> None:
    uow = FakeUnitOfWork(repo=object(), source="/plenary/delegation")
    first = await uow.emit(_registered(), subject="d-1")
    uow.caused_by(first)
    second = await uow.emit(_registered(), subject="d-2")
    assert first.type == "delegation.delegation.registered"
    assert first.source == "/plenary/delegation"
    assert second.causationid == first.id
    assert second.correlationid == first.correlationid
    assert [e["name"] for e in uow.events("delegation.delegation.registered")] == ["Kazakhstan"] * 2


async def test_a_failed_savepoint_takes_back_its_events_only() -> None:
    uow = FakeUnitOfWork(repo=object())
    await uow.emit(_registered(), subject="kept")
    with pytest.raises(ValueError):
        async with uow.savepoint():
            await uow.emit(_registered(), subject="undone")
            raise ValueError("refused")
    assert [e.subject for e in uow.emitted] == ["kept"]


async def test_commit_runs_flushes_before_and_callbacks_after() -> None:
    uow = FakeUnitOfWork(repo=object())
    seen: list[str] = []

    async def flush() -> None:
        seen.append(f"flush at {uow.commits}")

    uow.before_commit("rows", flush)
    uow.before_commit("rows", flush)
    uow.after_commit(lambda: seen.append(f"after {uow.commits}"))
    await uow.commit()
    assert seen == ["flush at 0", "after 1"]


def test_a_use_case_cannot_reach_past_the_repository() -> None:
    uow = FakeUnitOfWork(repo=object())
    with pytest.raises(AssertionError, match="past its repository"):
        _ = uow.conn


def test_two_services_fakes_of_one_file_name_stay_apart(tmp_path) -> None:
    for service in ("alpha", "beta"):
        (tmp_path / service).mkdir()
        (tmp_path / service / "fakes.py").write_text(f"SERVICE = {service!r}\n")
    alpha = load_beside(str(tmp_path / "alpha" / "conftest.py"), "fakes.py", name="t_alpha_fakes")
    beta = load_beside(str(tmp_path / "beta" / "conftest.py"), "fakes.py", name="t_beta_fakes")
    assert (alpha.SERVICE, beta.SERVICE) == ("alpha", "beta")
    assert (
        load_beside(str(tmp_path / "beta" / "conftest.py"), "fakes.py", name="t_alpha_fakes")
        is alpha
    )
