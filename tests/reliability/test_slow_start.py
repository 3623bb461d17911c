"""`make run` waits for a service while it shows progress, and says why when it gives up."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from plenary_devstack.stack import Platform

# a service that logs a line every 0.2 s and answers /readyz 200 only after `ready_after` seconds
SLOW_SERVICE = """
import http.server, sys, threading, time
port, ready_after, log = int(sys.argv[1]), float(sys.argv[2]), open(sys.argv[3], "a")
started = time.monotonic()
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if time.monotonic() - started > ready_after else 503)
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
threading.Thread(target=http.server.HTTPServer(("127.0.0.1", port), Ready).serve_forever,
                 daemon=True).start()
step = 0
while True:
    step += 1
    print(f"migrating step {step}", file=log, flush=True)
    time.sleep(0.2 if time.monotonic() - started < ready_after else 3600)
"""
# a service that says one thing and then nothing at all
STUCK_SERVICE = """
import sys, time
print("connecting to the broker", file=open(sys.argv[3], "a"), flush=True)
time.sleep(3600)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lone(tmp_path: Path):
    """A platform whose only service is a script of the test's choosing."""
    lone = Platform(root=tmp_path, ports={"scheduling": _free_port()})
    lone.logs.mkdir(parents=True)
    yield lone
    for process in lone.processes.values():
        process.kill()
        process.wait()


def _start(lone: Platform, script: str, ready_after: float) -> None:
    log = lone.logs / "scheduling.log"
    port = str(lone.ports["scheduling"])
    lone.processes["scheduling"] = subprocess.Popen(
        [sys.executable, "-c", script, port, str(ready_after), str(log)]
    )


def test_a_service_that_keeps_logging_is_waited_for_past_the_stall_limit(lone):
    _start(lone, SLOW_SERVICE, ready_after=6)
    lone.wait_ready(("scheduling",), timeout=3, limit=120)
    log = (lone.logs / "scheduling.log").read_text()
    assert "migrating step 20" in log  # it was not ready before its sixth second


def test_a_silent_service_fails_naming_what_it_waited_for_and_its_last_lines(lone):
    _start(lone, STUCK_SERVICE, ready_after=0)
    with pytest.raises(RuntimeError) as refused:
        lone.wait_ready(("scheduling",), timeout=2, limit=120)
    message = str(refused.value)
    assert message.startswith("scheduling not ready: no progress for")
    assert "/readyz did not answer" in message
    assert "connecting to the broker" in message


def test_the_limit_ends_a_wait_that_logs_forever(lone, monkeypatch):
    monkeypatch.setenv("PLENARY_READY_LIMIT_SECONDS", "3")
    _start(lone, SLOW_SERVICE, ready_after=3600)
    with pytest.raises(RuntimeError) as refused:
        lone.wait_ready(("scheduling",), timeout=60)
    assert "limit 3s" in str(refused.value)
    assert "migrating step" in str(refused.value)


def test_a_service_that_exits_shows_its_last_lines(lone):
    with open(lone.logs / "scheduling.log", "w") as log:
        lone.processes["scheduling"] = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; print('bad DATABASE_URL', file=sys.stderr); exit(3)",
            ],
            stderr=log,
        )
        lone.processes["scheduling"].wait()
    with pytest.raises(RuntimeError) as refused:
        lone.wait_ready(("scheduling",), timeout=5, limit=10)
    assert str(refused.value).startswith("scheduling exited with 3;")
    assert str(refused.value).endswith("bad DATABASE_URL")
