"""Encryption at rest of personal document data (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

from cryptography.fernet import Fernet


class DocumentCipher:
    """Encrypts and decrypts personal document fields."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("REGISTRATION_DATA_KEY (or _FILE) must be set to a Fernet key")
        self._fernet = Fernet(key.encode())

    def encrypt(self, value: str) -> bytes:
        """Ciphertext of a value."""
        return self._fernet.encrypt(value.encode())

    def decrypt(self, token: bytes) -> str:
        """Plain text of a ciphertext."""
        return self._fernet.decrypt(token).decode()
