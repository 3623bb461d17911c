"""After the whole suite: no passport number sent to the API appears on any topic or in any log line."""

import re

import pytest

from plenary_devstack.testing import run_dir


@pytest.mark.last
async def test_no_passport_number_on_any_topic_or_in_any_log(api, kafka):
    # a value the API refused as a passport number ("ab") is never stored, and is too short to
    # search for without matching ordinary ids; the bad-input tests check refusals are not echoed
    passports = {p for p in api.sent_passports if re.fullmatch(r"[A-Z0-9]{5,20}", p)}
    assert passports, "the suite nominated people before this check"
    topics = [t for t in await kafka.topics() if not t.startswith("__")]
    assert {"registration.events", "delegation.events", "registration.dlq"} <= set(topics)
    records = await kafka.records(*topics)
    assert records
    for record in records:
        payload = (
            (record.value or b"") + (record.key or b"") + b"".join(v for _, v in record.headers)
        )
        leaked = [p for p in passports if p.encode() in payload]
        assert not leaked, (record.topic, record.offset)
    logs = list((run_dir() / "logs").glob("*.log"))
    assert len(logs) >= 5
    for log in logs:
        text = log.read_text(errors="replace")
        leaked = [p for p in passports if p in text]
        assert not leaked, log.name
