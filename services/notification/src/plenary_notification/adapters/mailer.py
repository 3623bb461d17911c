"""E-mail over SMTP (aiosmtplib): composing a message and handing it to the configured server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from plenary_notification.adapters.templates import Rendered


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    start_tls: bool = False
    timeout: float = 30.0


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


def compose(*, rendered: Rendered, sender: str, recipient: str, message_id: str) -> EmailMessage:
    """A multipart message (plain text and HTML) with a stable Message-ID for de-duplication."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{message_id}@plenary>"  # the same on every retry
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = rendered.language  # after the parts, which take Content-* along
    return message


async def send(server: SmtpServer, message: EmailMessage) -> None:
    """Send one message; PermanentFailure when the server refuses it for good."""
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username or None,
            password=server.password or None,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            timeout=server.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refusal = exc.recipients[0]
        if 500 <= refusal.code < 600:
            raise PermanentFailure(f"recipient refused: {refusal.code} {refusal.message}") from exc
        raise
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentFailure(f"server answered {exc.code} {exc.message}") from exc
        raise
