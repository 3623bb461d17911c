"""A unit of work without a database, for testing use cases against fake repositories."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Generic, Self

from plenary_shared.db import RepoT, new_event
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import EventPayload


class FakeUnitOfWork(Generic[RepoT]):
    """Records what a use case emits and commits; `repo` is the fake repository it writes to.

    A use case that reaches past its repository to `conn` fails here: the fake has none.
    A savepoint takes back the events emitted inside it (the fake repository's rows are the
    test's to check).
    """

    def __init__(self, repo: RepoT, *, source: str = "/plenary/test") -> None:
        self.repo = repo
        self.source = source
        self.correlation_id = str(uuid.uuid4())
        self.causation_id: str | None = None
        self.emitted: list[CloudEvent] = []
        self.memo: dict[str, object] = {}
        self.idempotency = None
        self.earlier: str | None = None
        self.result: str | None = None
        self.commits = 0
        self._before_commit: dict[str, Callable[[], Awaitable[None]]] = {}
        self._after_commit: list[Callable[[], None]] = []

    @property
    def conn(self):
        """A fake has no connection: a use case must go through `repo`."""
        raise AssertionError("the use case reached past its repository to the connection")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def emit(self, payload: EventPayload, *, subject: str) -> CloudEvent:
        """Record the event as the real unit of work would put it in the outbox."""
        event = new_event(
            payload,
            subject=subject,
            source=self.source,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
        self.emitted.append(event)
        return event

    def caused_by(self, event: CloudEvent) -> None:
        """Events emitted from now on are caused by this one."""
        self.correlation_id = event.correlationid or event.id
        self.causation_id = event.id

    def trace_carrier(self) -> dict[str, str]:
        """A fake is in no trace."""
        return {}

    def remember_result(self, resource_id: object) -> None:
        """What the command created, for an Idempotency-Key."""
        self.result = str(resource_id)

    async def earlier_result(self) -> str | None:
        """The result a test set as the first request's (`earlier`)."""
        return self.earlier

    async def commit(self) -> None:
        """Run the flushes, count the commit, then run the after-commit callbacks."""
        for flush in self._before_commit.values():
            await flush()
        self.commits += 1
        for callback in self._after_commit:
            callback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Take back the events emitted inside if it raises."""
        emitted = len(self.emitted)
        try:
            yield
        except BaseException:
            del self.emitted[emitted:]
            raise

    def before_commit(self, name: str, flush: Callable[[], Awaitable[None]]) -> None:
        """Run `flush` once, just before the commit."""
        self._before_commit.setdefault(name, flush)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run a callback once committed."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def events(self, event_type: str | None = None) -> list[dict]:
        """The data of the events emitted (of one type, if given)."""
        return [e.data for e in self.emitted if event_type is None or e.type == event_type]


def load_beside(conftest: str, filename: str, *, name: str) -> ModuleType:
    """The module `filename` next to a conftest, imported once under a name of its own.

    Every service may keep a `tests/service/fakes.py`; pytest's default import mode would
    otherwise give one service's module to another's tests in the same run.
    """
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(conftest).with_name(filename))
        if spec is None or spec.loader is None:
            raise ImportError(f"no {filename} beside {conftest}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
