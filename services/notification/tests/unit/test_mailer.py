"""A message body is built once and addressed to each recipient with its own id."""

from email import message_from_bytes, policy

import pytest

from plenary_notification.adapters.mailer import PermanentFailure, addressed, body
from plenary_notification.adapters.templates import Rendered

RENDERED = Rendered(
    subject="Новое время: Узкий состав",
    text="Заседание переносится.\n",
    html="<p>x</p>",
    language="ru",
)


def test_each_recipient_gets_the_same_content_under_its_own_headers():
    content = body(RENDERED, sender="Plenary <no-reply@plenary.example>")
    first = message_from_bytes(
        addressed(content, recipient="a@example.org", message_id="m1"), policy=policy.default
    )
    second = message_from_bytes(
        addressed(content, recipient="b@example.org", message_id="m2"), policy=policy.default
    )
    assert (first["to"], first["message-id"]) == ("a@example.org", "<m1@plenary>")
    assert (second["to"], second["message-id"]) == ("b@example.org", "<m2@plenary>")
    for message in (first, second):
        assert message["subject"] == "Новое время: Узкий состав"
        assert message["content-language"] == "ru" and message["date"]
        assert message.get_body(("plain",)).get_content().splitlines() == ["Заседание переносится."]
        assert message.get_body(("html",)).get_content().strip() == "<p>x</p>"


def test_an_address_that_could_inject_headers_is_refused():
    content = body(RENDERED, sender="no-reply@plenary.example")
    with pytest.raises(PermanentFailure):
        addressed(content, recipient="a@example.org\r\nBcc: x@example.org", message_id="m")


def test_a_long_subject_reads_back_without_a_leading_space():
    long = Rendered(subject="You are accredited to " + "x" * 90, text="t", html="h", language="en")
    message = message_from_bytes(
        addressed(body(long, sender="a@b.example"), recipient="r@example.org", message_id="m"),
        policy=policy.default,
    )
    assert message["subject"] == long.subject


def test_a_sender_named_in_cyrillic_reads_back_whole():
    message = message_from_bytes(
        addressed(
            body(RENDERED, sender="Секретариат ШОС <no-reply@plenary.example>"),
            recipient="r@example.org",
            message_id="m",
        ),
        policy=policy.default,
    )
    assert message["from"].addresses[0].display_name == "Секретариат ШОС"
    assert message["from"].addresses[0].addr_spec == "no-reply@plenary.example"
    assert message.get_body(("plain",)).get_content().splitlines() == ["Заседание переносится."]
