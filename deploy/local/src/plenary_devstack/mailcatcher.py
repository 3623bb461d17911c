"""A local mail catcher: a real SMTP server (aiosmtpd) that keeps what it receives, and a page to read it."""

from __future__ import annotations

import functools
import html
import json
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class Caught:
    """One message as the SMTP server received it (parsed when first read)."""

    number: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    at: float

    @functools.cached_property
    def message(self) -> EmailMessage:
        """The parsed message."""
        return BytesParser(policy=policy.default).parsebytes(self.raw)

    @property
    def subject(self) -> str:
        """The decoded subject line."""
        return str(self.message["subject"] or "")

    def body(self, subtype: str = "plain") -> str:
        """The text of the plain (or html) part."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""

    def summary(self) -> dict:
        """What the list view and the JSON API show."""
        return {
            "number": self.number,
            "from": self.mail_from,
            "to": list(self.rcpt_tos),
            "subject": self.subject,
            "language": self.message["content-language"],
            "message_id": self.message["message-id"],
            "at": self.at,
        }


class MailCatcher:
    """SMTP on one port, a read-only web page on another; everything kept in memory."""

    def __init__(self, *, smtp_port: int, http_port: int | None = None) -> None:
        self.caught: list[Caught] = []
        self.fail_next = 0  # refuse this many recipients with a temporary error (451)
        self.refused = 0
        self.arrived = threading.Condition()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=smtp_port)
        self.smtp_port = smtp_port
        self._http = _web(self, http_port) if http_port is not None else None

    @property
    def web_url(self) -> str | None:
        """Where a person reads the caught mail."""
        return f"http://127.0.0.1:{self._http.server_address[1]}" if self._http else None

    def start(self) -> MailCatcher:
        """Start listening."""
        self._controller.start()
        if self._http is not None:
            threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()
        if self._http is not None:
            self._http.shutdown()

    def take_failure(self) -> bool:
        """Whether to refuse the next recipient for now (tests of retries)."""
        with self.arrived:
            if self.fail_next <= 0:
                return False
            self.fail_next -= 1
            self.refused += 1
            return True

    def add(self, *, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        """Keep one received message."""
        with self.arrived:
            self.caught.append(
                Caught(len(self.caught) + 1, mail_from, tuple(rcpt_tos), raw, time.time())
            )
            self.arrived.notify_all()

    def to(self, address: str) -> list[Caught]:
        """Messages addressed to someone, oldest first."""
        with self.arrived:
            return [c for c in self.caught if address.lower() in (r.lower() for r in c.rcpt_tos)]

    def wait_for_total(self, count: int, *, timeout: float = 60) -> list[Caught]:
        """Wait until at least `count` messages were caught in all; returns them all."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.caught) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"caught {len(self.caught)} of {count} e-mails")
                self.arrived.wait(left)
            return list(self.caught)

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 30) -> list[Caught]:
        """Wait until someone has at least `count` messages; returns them all."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(found := self.to(address)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{address} received {len(found)} of {count} e-mails")
                self.arrived.wait(left)
        return found


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.catcher.take_failure():
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.catcher.add(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            raw=envelope.original_content or envelope.content,
        )
        return "250 Message accepted for delivery"


def _web(catcher: MailCatcher, port: int) -> ThreadingHTTPServer:
    """A list of caught messages at /, each at /messages/N, and JSON at /api/messages."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with catcher.arrived:
                caught = list(catcher.caught)
            if self.path == "/api/messages":
                self._send("application/json", json.dumps([c.summary() for c in caught]))
            elif self.path.startswith("/messages/") and self.path[10:].isdigit():
                number = int(self.path[10:])
                if not 1 <= number <= len(caught):
                    self._send("text/plain", "no such message", status=404)
                    return
                item = caught[number - 1]
                self._send("text/html; charset=utf-8", _message_page(item))
            else:
                rows = "".join(
                    f"<tr><td>{time.strftime('%H:%M:%S', time.localtime(c.at))}</td>"
                    f"<td>{html.escape(', '.join(c.rcpt_tos))}</td>"
                    f"<td><a href='/messages/{c.number}'>{html.escape(c.subject)}</a></td></tr>"
                    for c in reversed(caught)
                )
                self._send(
                    "text/html; charset=utf-8",
                    f"<!doctype html><meta charset=utf-8><title>Caught mail</title>"
                    f"<h1>Caught mail ({len(caught)})</h1><table>{rows}</table>",
                )

        def _send(self, kind: str, text: str, status: int = 200) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Page)


def _message_page(item: Caught) -> str:
    head = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
        for k, v in item.message.items()
        if k.lower() in ("from", "to", "subject", "date", "content-language", "message-id")
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>{html.escape(item.subject)}</title>"
        f"<p><a href='/'>All mail</a></p><dl>{head}</dl>"
        f"<h2>Text</h2><pre>{html.escape(item.body('plain'))}</pre>"
        f"<h2>HTML</h2><iframe sandbox style='width:100%;height:60vh' "
        f'srcdoc="{html.escape(item.body("html"))}"></iframe>'
    )
