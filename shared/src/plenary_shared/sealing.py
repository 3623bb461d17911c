"""Secrets sealed for one service's key (libsodium sealed boxes): only its private key opens them."""

from __future__ import annotations

from nacl.encoding import Base64Encoder
from nacl.public import PrivateKey, PublicKey, SealedBox


def generate_seal_keys() -> tuple[str, str]:
    """A private and a public key, base64-encoded."""
    private = PrivateKey.generate()
    return (
        private.encode(Base64Encoder).decode(),
        private.public_key.encode(Base64Encoder).decode(),
    )


def seal(public_key: str, secret: str) -> str:
    """The secret, readable only with the matching private key."""
    box = SealedBox(PublicKey(public_key.encode(), Base64Encoder))
    return box.encrypt(secret.encode(), Base64Encoder).decode()


def unseal(private_key: str, sealed: str) -> str:
    """The secret inside a sealed value (raises nacl.exceptions.CryptoError if not ours)."""
    box = SealedBox(PrivateKey(private_key.encode(), Base64Encoder))
    return box.decrypt(sealed.encode(), Base64Encoder).decode()
