"""Run one outbox relay round and die (SIGKILL-style) right after publishing, before marking sent."""

import asyncio
import os
import sys

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_shared.kafka import make_producer
from plenary_shared.messaging_tables import messaging_tables
from plenary_shared.outbox import OutboxRelay


async def main(url: str, schema: str, bootstrap: str) -> None:
    engine = create_async_engine(url)
    producer = make_producer(bootstrap)
    await producer.start()

    async def die() -> None:
        os._exit(137)

    relay = OutboxRelay(
        engine=engine,
        database_url=url,
        tables=messaging_tables(MetaData(schema=schema)),
        producer=producer,
        after_publish=die,
    )
    await relay.relay_once()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
