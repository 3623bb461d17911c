"""The reference for HTTP accept: a bare FastAPI endpoint, served the way the services are.

It parses the same nomination body into a model and answers 202, touching nothing else: no
token check, no database, no broker.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
from fastapi import FastAPI, status
from pydantic import BaseModel, EmailStr, Field

from plenary_devstack import infra


class Nomination(BaseModel):
    """The nomination body, with the same fields and checks of shape."""

    delegation_id: UUID | None = None
    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    category: str
    nationality: str = Field(pattern=r"^[A-Z]{3}$")
    passport_number: str = Field(min_length=5, max_length=20, pattern=r"^[A-Z0-9]+$")
    date_of_birth: date
    waitlist: bool | None = None


def create_app() -> FastAPI:
    """The bare app: one POST that answers 202, and a readiness route."""
    app = FastAPI()

    @app.post("/v1/meetings/{meeting_id}/applications", status_code=status.HTTP_202_ACCEPTED)
    async def accept(meeting_id: UUID, body: Nomination) -> dict:
        return {"id": str(uuid.uuid4()), "meeting_id": str(meeting_id), **body.model_dump()}

    @app.get("/readyz")
    async def ready() -> dict:
        return {"status": "ready"}

    return app


class BareServer:
    """The bare app in its own process, started with the services' uvicorn command line."""

    def __init__(self, log: Path) -> None:
        self.port = infra.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "uvicorn",
                "plenary_devstack.bench_bare:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bare FastAPI app did not start; see {log}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the process."""
        self.process.terminate()
        self.process.wait(timeout=10)
