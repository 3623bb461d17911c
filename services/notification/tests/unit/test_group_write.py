"""Successful webhook attempts are written in rounds: whatever finished meanwhile, together."""

from __future__ import annotations

import asyncio

import pytest

from plenary_notification.entrypoints.workers.webhooks import GroupWrite


class Store:
    def __init__(self, fail_on: int | None = None) -> None:
        self.rounds: list[list] = []
        self.fail_on = fail_on

    async def write(self, items: list) -> None:
        await asyncio.sleep(0.01)  # a statement's round trip, during which others queue
        if self.fail_on is not None and self.fail_on in items:
            raise ConnectionError("database away")
        self.rounds.append(items)


def test_items_that_come_while_a_round_is_written_go_together_in_the_next() -> None:
    store = Store()
    group = GroupWrite(store.write)

    async def main() -> None:
        await asyncio.gather(*(group.add(i) for i in range(5)))

    asyncio.run(main())
    assert store.rounds == [[0], [1, 2, 3, 4]]
    assert not group.writing


def test_a_failed_round_raises_for_each_of_its_items_and_the_next_round_still_goes() -> None:
    store = Store(fail_on=2)
    group = GroupWrite(store.write)

    async def main() -> list:
        first = asyncio.ensure_future(group.add(1))
        await asyncio.sleep(0)
        second = [asyncio.ensure_future(group.add(i)) for i in (2, 3)]
        await asyncio.sleep(0.015)
        later = asyncio.ensure_future(group.add(4))
        return await asyncio.gather(first, *second, later, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert outcomes[0] is None
    assert all(isinstance(o, ConnectionError) for o in outcomes[1:3])
    assert outcomes[3] is None
    assert [1] in store.rounds and [4] in store.rounds


def test_one_item_alone_is_written_at_once() -> None:
    store = Store()
    group = GroupWrite(store.write)
    asyncio.run(group.add("only"))
    assert store.rounds == [["only"]]


@pytest.mark.parametrize("count", [1, 50])
def test_every_item_is_written_exactly_once(count: int) -> None:
    store = Store()
    group = GroupWrite(store.write)

    async def main() -> None:
        await asyncio.gather(*(group.add(i) for i in range(count)))

    asyncio.run(main())
    assert sorted(i for r in store.rounds for i in r) == list(range(count))
