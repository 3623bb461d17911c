"""What the registration runtime holds besides the shared machinery (`runtime.state`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from plenary_registration.adapters.badges import BadgeSigner, BadgeVerifier
from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.config import Settings
from plenary_shared.runtime import ServiceRuntime


@dataclass
class RuntimeState:
    """The document cipher, the import worker's wake-up, and the badge keys (built on first use
    by a badge route, so a service without a badge key still starts)."""

    cipher: DocumentCipher
    import_wake: asyncio.Event = field(default_factory=asyncio.Event)
    badge_signer: BadgeSigner | None = None
    badge_verifier: BadgeVerifier | None = None


Runtime = ServiceRuntime[RuntimeState, Settings]
