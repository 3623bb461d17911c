"""A TCP proxy in front of the real Postgres that can make it refuse connections, as in recovery."""

from __future__ import annotations

import asyncio
import contextlib
import struct

from sqlalchemy.engine import URL

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
