"""Portal links with a one-time secret, and the same links sealed for the notification service."""

from __future__ import annotations

from dataclasses import dataclass

from plenary_shared.sealing import seal


@dataclass(frozen=True)
class Links:
    """Builds portal links; seals them so that only notification can open them for e-mail."""

    portal_url: str
    seal_key: str

    def url(self, page: str, token: str) -> str:
        """The link a person opens (the secret sits in the fragment, so servers never log it)."""
        return f"{self.portal_url.rstrip('/')}/{page}#token={token}"

    def sealed(self, page: str, token: str) -> str | None:
        """The link sealed for notification, or None where no sealing key is configured."""
        return seal(self.seal_key, self.url(page, token)) if self.seal_key else None
