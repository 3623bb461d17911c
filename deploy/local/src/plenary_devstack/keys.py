"""Development keys: the token signing pair and the data encryption key, kept in a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from plenary_shared.auth import generate_key_pair, mint_token
from plenary_shared.sealing import generate_seal_keys

PRIVATE = "jwt_private.pem"
PUBLIC = "jwt_public.pem"
DATA = "registration_data.key"
BADGE_PRIVATE = "badge_signing.pem"
BADGE_PUBLIC = "badge_public.pem"
SEAL_PRIVATE = "notification_seal.key"
SEAL_PUBLIC = "notification_seal.pub"


@dataclass(frozen=True)
class Keys:
    """Where the keys are."""

    folder: Path

    @property
    def public_file(self) -> Path:
        """The token verification key every service reads."""
        return self.folder / PUBLIC

    @property
    def private_file(self) -> Path:
        """The token signing key: registration signs portal sessions with it."""
        return self.folder / PRIVATE

    @property
    def badge_key_file(self) -> Path:
        """The registration service's badge signing key (scanners verify with badge_public.pem)."""
        return self.folder / BADGE_PRIVATE

    @property
    def data_key_file(self) -> Path:
        """The registration service's encryption key."""
        return self.folder / DATA

    @property
    def seal_private_file(self) -> Path:
        """Notification's key for opening the links registration seals for it."""
        return self.folder / SEAL_PRIVATE

    @property
    def seal_public_file(self) -> Path:
        """What registration seals invitation and reset links with."""
        return self.folder / SEAL_PUBLIC

    def token(
        self, role: str, *, subject: str | None = None, delegation_id: str | None = None
    ) -> str:
        """A signed token for a role."""
        return mint_token(
            private_key_pem=(self.folder / PRIVATE).read_text(),
            role=role,
            subject=subject or f"dev-{role}",
            delegation_id=delegation_id,
        )


def ensure_keys(folder: Path) -> Keys:
    """Create the keys once; later runs reuse them so issued tokens stay valid."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / PRIVATE).exists():
        private, public = generate_key_pair()
        (folder / PRIVATE).write_text(private)
        (folder / PRIVATE).chmod(0o600)
        (folder / PUBLIC).write_text(public)
    if not (folder / BADGE_PRIVATE).exists():
        private, public = generate_key_pair()
        (folder / BADGE_PRIVATE).write_text(private)
        (folder / BADGE_PRIVATE).chmod(0o600)
        (folder / BADGE_PUBLIC).write_text(public)
    if not (folder / DATA).exists():
        (folder / DATA).write_text(Fernet.generate_key().decode())
        (folder / DATA).chmod(0o600)
    if not (folder / SEAL_PRIVATE).exists():
        private, public = generate_seal_keys()
        (folder / SEAL_PRIVATE).write_text(private)
        (folder / SEAL_PRIVATE).chmod(0o600)
        (folder / SEAL_PUBLIC).write_text(public)
    return Keys(folder)
