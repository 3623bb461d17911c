"""A webhook receiver: a real HTTP server that verifies Standard Webhooks signatures."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    """One request the test webhook receiver accepted."""

    headers: dict[str, str]
    body: str
    at: float


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A sender that goes away with its kept-alive connection (killed on purpose, say) is
        no error of the receiver's; anything else is still printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class WebhookReceiver:
    """A real HTTP server that verifies signatures, can fail on purpose, and records deliveries."""

    def __init__(self, *, host: str = "127.0.0.2", delay: float = 0.0) -> None:
        # 127.0.0.2: the test platform allows webhooks to that address alone, so that every
        # other loopback address stays refused as it would be in production
        self.secret: str | None = None
        self.delay = delay
        self.redirect_to: str | None = None
        self.fail_next = 0
        # when set, only deliveries of this event type are refused by `fail_next`
        self.fail_type: str | None = None
        # what a refusal answers: its status, and headers such as Retry-After
        self.fail_status = 503
        self.fail_headers: dict[str, str] = {}
        self.received: list[Received] = []
        self.rejected = 0
        self.arrived = threading.Condition()
        self.subscription_id: str | None = None
        self.bad_signatures = 0
        self.redirected = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # keep-alive, as receivers in the field answer: a sender reuses its connection
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.redirect_to:
                    receiver.redirected += 1
                    self.send_response(302)
                    self.send_header("location", receiver.redirect_to)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                status, extra = receiver._accept(headers, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = _Server((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _accept(self, headers: dict[str, str], body: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            if self.fail_next > 0 and (
                self.fail_type is None or json.loads(body).get("type") == self.fail_type
            ):
                self.fail_next -= 1
                self.rejected += 1
                return self.fail_status, dict(self.fail_headers)
            try:
                Webhook(self.secret or "").verify(body, headers)
            except Exception:
                self.bad_signatures += 1
                return 400, {}
            self.received.append(Received(headers, body, time.monotonic()))
        with self.arrived:
            self.arrived.notify_all()
        return 204, {}

    def events(self, *, event_type: str | None = None, subject: str | None = None) -> list[dict]:
        """The verified events received, optionally filtered."""
        with self._lock:
            found = [json.loads(r.body) for r in self.received]
        return [
            e
            for e in found
            if (event_type is None or e["type"] == event_type)
            and (subject is None or e["subject"] == subject)
        ]

    def webhook_ids(self) -> dict[tuple[str, str], Counter]:
        """Per event type and subject: each webhook-id with how many times it was delivered."""
        with self._lock:
            received = list(self.received)
        found: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for r in received:
            event = json.loads(r.body)
            found[(event["type"], event["subject"])][r.headers["webhook-id"]] += 1
        return found

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()

    def wait(self, *, event_type: str, subject: str, timeout: float = 30) -> Received:
        """Block until an event of this type about this subject has arrived; returns it."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                with self._lock:
                    for received in self.received:
                        event = json.loads(received.body)
                        if event["type"] == event_type and event["subject"] == subject:
                            return received
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {event_type} about {subject} within {timeout}s")
                self.arrived.wait(left)
