"""A TCP proxy in front of the real Postgres that can make it refuse connections, as in recovery.

`PostgresProxy` runs on the caller's event loop (the reliability tests); `ProxyThread` runs one
in a background thread of its own, for services in other processes (the chaos run).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import threading

from sqlalchemy.engine import URL, make_url

SSL_REQUEST = 80877103


def error_response(code: str, message: str) -> bytes:
    """A Postgres ErrorResponse message (FATAL) with a SQLSTATE."""
    fields = [(b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message)]
    body = b"".join(k + v.encode() + b"\0" for k, v in fields) + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


class PostgresProxy:
    """Passes connections through to Postgres, or answers each new one with SQLSTATE 57P03."""

    def __init__(self, url: URL) -> None:
        self._url = url
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.refusing = False
        self.refused = 0

    @property
    def port(self) -> int:
        """Where the proxy listens."""
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        """Listen on a free port of the loopback."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        self._drop_all()
        if self._server is not None:
            self._server.close()

    def refuse(self, *, drop_existing: bool = True) -> None:
        """From now on 'the database system is starting up'; existing connections are cut."""
        self.refusing = True
        if drop_existing:
            self._drop_all()

    def pass_through(self) -> None:
        """Postgres is back."""
        self.refusing = False

    def _drop_all(self) -> None:
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            await self._refuse(reader, writer)
            return
        try:
            up_reader, up_writer = await self._connect_upstream()
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}
        try:
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        finally:
            self._open -= {writer, up_writer}
            for w in (writer, up_writer):
                w.transport.abort()

    async def _connect_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        socket_dir = self._url.query.get("host")
        port = self._url.port or 5432
        if isinstance(socket_dir, str) and socket_dir.startswith("/"):
            return await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{port}")
        return await asyncio.open_connection(self._url.host, port)

    def url(self) -> URL:
        """The database URL through the proxy."""
        query = {k: v for k, v in self._url.query.items() if k != "host"}
        return self._url.set(host="127.0.0.1", port=self.port, query=query)

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.refused += 1
        try:
            (n,) = struct.unpack("!I", await reader.readexactly(4))
            rest = await reader.readexactly(n - 4)
            if n == 8 and struct.unpack("!I", rest)[0] == SSL_REQUEST:
                writer.write(b"N")
                (n,) = struct.unpack("!I", await reader.readexactly(4))
                await reader.readexactly(n - 4)
            writer.write(error_response("57P03", "the database system is starting up"))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


class ProxyThread:
    """A PostgresProxy on its own event loop in a daemon thread, driven from ordinary code."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._proxy: PostgresProxy | None = None

    @property
    def refused(self) -> int:
        """How many connections were answered with 57P03 so far."""
        return self._proxy.refused if self._proxy is not None else 0

    def route(self, database_url: str) -> str:
        """The same URL through the proxy; the first call starts it in front of that server."""
        url = make_url(database_url)
        if self._proxy is None:
            self._proxy = PostgresProxy(url)
            self._thread.start()
            self._call(self._proxy.start())
        query = {k: v for k, v in url.query.items() if k != "host"}
        routed = url.set(host="127.0.0.1", port=self._proxy.port, query=query)
        return routed.render_as_string(hide_password=False)

    def refuse(self) -> None:
        """New connections get 57P03, existing ones are cut."""
        self._call(self._in_loop(lambda p: p.refuse()))

    def pass_through(self) -> None:
        """Connections reach Postgres again."""
        self._call(self._in_loop(lambda p: p.pass_through()))

    def stop(self) -> None:
        """Drop every connection and stop the loop."""
        if self._proxy is not None:
            self._call(self._proxy.stop())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._proxy = None

    async def _in_loop(self, action) -> None:
        assert self._proxy is not None
        action(self._proxy)

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)
