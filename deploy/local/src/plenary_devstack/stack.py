"""The whole platform on one machine: Postgres, broker, provisioning, and the four services."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from plenary_devstack import infra
from plenary_devstack.infra import seconds_from_env as _seconds
from plenary_devstack.infra import tail as _tail
from plenary_devstack.keys import Keys, ensure_keys
from plenary_devstack.mailcatcher import MailCatcher
from plenary_devstack.provision import SERVICES, provision

DEFAULT_PORTS = {
    "portal": 8000,
    "scheduling": 8001,
    "delegation": 8002,
    "registration": 8003,
    "notification": 8004,
}
# the web portal: no database, no broker; it calls the four services
PORTAL = "portal"


def _die_with_parent() -> None:
    """Ask Linux to stop this child when the launcher dies, so nothing is left behind."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Platform:
    """Starts and stops everything; `make run` and the test suite both use it."""

    root: Path
    database: str = "plenary"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    broker_port: int = 9092
    # the mail catcher's SMTP and web ports; unused where NOTIFICATION_SMTP_HOST names a server
    mail_port: int = 1025
    mail_web_port: int | None = 8025
    fresh_database: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    keys: Keys | None = None
    # rewrites each service's DATABASE_URL (the chaos run sends them through its proxy)
    database_route: Callable[[str], str] | None = None
    postgres: infra.Postgres | None = None
    broker: infra.Broker | None = None
    mail: MailCatcher | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    service_urls: dict[str, str] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        """Where every process writes its log."""
        return self.root / "logs"

    def url(self, service: str) -> str:
        """Base URL of a service."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, *, say=lambda _msg: None) -> None:
        """Bring up everything and wait until each service is ready."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.keys = ensure_keys(self.root / "keys")
        catch_mail = "NOTIFICATION_SMTP_HOST" not in {**os.environ, **self.extra_env}
        wanted: dict[str, int | None] = dict(self.ports)
        if catch_mail:
            wanted |= {"mail catcher": self.mail_port, "mail web page": self.mail_web_port}
        for service, port in wanted.items():
            if port and infra.port_open("127.0.0.1", port):
                raise RuntimeError(f"port {port} ({service}) is taken; is another `make run` up?")
        if catch_mail:
            say("starting the mail catcher")
            self.mail = MailCatcher(smtp_port=self.mail_port, http_port=self.mail_web_port).start()
        say("starting Postgres")
        self.postgres = infra.start_postgres(self.root / "pgdata")
        say("starting the Kafka-protocol broker")
        self.broker = infra.start_broker(port=self.broker_port, log_file=self.logs / "broker.log")
        say("creating schemas and roles, migrating")
        self.service_urls = provision(
            self.postgres.admin_url, database=self.database, fresh=self.fresh_database
        )
        say("starting services")
        for service in SERVICES:
            self.start_service(service)
        self.wait_ready()
        say("starting the portal")
        self.start_service(PORTAL)
        self.wait_ready((PORTAL,))

    def service_env(self, service: str) -> dict[str, str]:
        """The environment one service process runs with."""
        assert self.keys is not None and self.broker is not None
        prefix = service.upper() + "_"
        if service == PORTAL:
            return self._merged_env(
                prefix,
                {
                    "JWT_PUBLIC_KEY_FILE": str(self.keys.public_file),
                    **{f"{other.upper()}_URL": self.url(other) for other in SERVICES},
                },
            )
        database_url = self.service_urls[service]
        if self.database_route is not None:
            database_url = self.database_route(database_url)
        env = {
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            "JWT_PUBLIC_KEY_FILE": str(self.keys.public_file),
            **{f"{other.upper()}_URL": self.url(other) for other in SERVICES},
            # a broker that lost its topics (a restarted one keeps nothing): recreate, republish
            "BROKER_LOSS_REPUBLISH": "true",
            "TOPIC_CHECK_SECONDS": "1",
        }
        if service == "registration":
            env["DATA_KEY_FILE"] = str(self.keys.data_key_file)
            env["BADGE_KEY_FILE"] = str(self.keys.badge_key_file)
            env["JWT_PRIVATE_KEY_FILE"] = str(self.keys.private_file)
            env["LINK_SEAL_KEY_FILE"] = str(self.keys.seal_public_file)
            env["PORTAL_URL"] = self.url(PORTAL)
        if service == "notification":
            env["LINK_SEAL_KEY_FILE"] = str(self.keys.seal_private_file)
            # development: webhooks may go to this machine (production allows public addresses only)
            env["WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.0/8,::1,localhost"
            if self.mail is not None:
                env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.mail_port)}
        return self._merged_env(prefix, env)

    def _merged_env(self, prefix: str, env: dict[str, str]) -> dict[str, str]:
        merged = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        }
        merged.update({prefix + k: v for k, v in env.items()})
        merged.update(self.extra_env)
        return merged

    def start_service(self, service: str) -> None:
        """Start (or restart) one service process."""
        self._launch(service, service)

    def start_replica(self, service: str, number: int = 2) -> str:
        """Start another process of a service, same environment, own port; named `<service>-N`."""
        name = f"{service}-{number}"
        self.ports.setdefault(name, infra.free_port())
        self._launch(name, service)
        return name

    def _launch(self, name: str, service: str) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "uvicorn",
                f"plenary_{service}.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[name]),
            ],
            env=self.service_env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )

    def stop_service(self, service: str, *, kill: bool = False) -> None:
        """Stop one service process (SIGKILL when `kill`, as a crash would)."""
        process = self.processes.pop(service, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def replace_broker(self) -> None:
        """Kill the embedded broker and start an empty one on the same port, as after a crash."""
        assert self.broker is not None
        self.broker.kill()
        self.broker = infra.start_broker(port=self.broker_port, log_file=self.logs / "broker.log")

    def wait_ready(
        self,
        services: tuple[str, ...] = SERVICES,
        timeout: float | None = None,
        limit: float | None = None,
    ) -> None:
        """Wait until each service answers /readyz with 200, as long as it shows progress.

        Progress is new lines in its log or a change in what /readyz says; a service that shows
        none for `timeout` seconds (PLENARY_READY_STALL_SECONDS, 90) or is not ready after
        `limit` (PLENARY_READY_LIMIT_SECONDS, 900) fails naming what it waited for and the last
        lines of its log.
        """
        timeout = timeout if timeout is not None else _seconds("PLENARY_READY_STALL_SECONDS", 90)
        limit = limit if limit is not None else _seconds("PLENARY_READY_LIMIT_SECONDS", 900)
        started = time.monotonic()
        for service in services:
            log_file = self.logs / f"{service}.log"
            last_seen, last_progress, waiting_for = None, time.monotonic(), "no answer yet"
            while True:
                process = self.processes[service]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{service} exited with {process.returncode}; {_tail(log_file)}"
                    )
                try:
                    answer = httpx.get(self.url(service) + "/readyz", timeout=2)
                    if answer.status_code == 200:
                        break
                    waiting_for = f"/readyz said {answer.text[:200]}"
                except httpx.HTTPError as exc:
                    waiting_for = f"/readyz did not answer ({type(exc).__name__})"
                seen = (log_file.stat().st_size if log_file.exists() else 0, waiting_for)
                now = time.monotonic()
                if seen != last_seen:
                    last_seen, last_progress = seen, now
                if now - last_progress > timeout or now - started > limit:
                    raise RuntimeError(
                        f"{service} not ready: no progress for {now - last_progress:.0f}s"
                        f" ({now - started:.0f}s in all, limit {limit:.0f}s); waiting for: "
                        f"{waiting_for}; {_tail(log_file)}"
                    )
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop services, broker and (embedded) Postgres."""
        for service in list(self.processes):
            self.stop_service(service)
        if self.broker is not None:
            self.broker.stop()
        if self.mail is not None:
            self.mail.stop()
        if self.postgres is not None:
            self.postgres.stop()
