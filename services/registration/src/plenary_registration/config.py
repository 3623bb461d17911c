"""Registration settings (env prefix REGISTRATION_)."""

import ipaddress
from datetime import timedelta
from pathlib import Path

from pydantic import field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from plenary_registration.adapters.links import Links
from plenary_registration.domain.throttle import Rule
from plenary_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the registration service."""

    model_config = SettingsConfigDict(env_prefix="REGISTRATION_", extra="ignore")

    data_key: str = ""
    data_key_file: Path | None = None
    badge_key: str = ""
    badge_key_file: Path | None = None
    badge_number_prefix: str = "PL"
    jwt_private_key: str = ""
    jwt_private_key_file: Path | None = None
    session_hours: float = 12.0
    invitation_days: int = 14
    # accepting an invitation: the code e-mailed to the invited address, how long and how often
    invitation_code_minutes: float = 15.0
    invitation_code_attempts: int = 5
    password_reset_hours: float = 2.0
    portal_url: str = "http://127.0.0.1:8000"
    # notification's public key: invitation and reset links travel sealed with it, for e-mail
    link_seal_key: str = ""
    link_seal_key_file: Path | None = None
    password_reset_throttle_seconds: float = 60.0
    # brute force: after N strikes (wrong passwords; reset requests) per e-mail address or per
    # client address, a lock of throttle_lock_seconds, doubling per further strike up to the
    # cap; strikes are forgotten after throttle_window_seconds without one
    sign_in_failures_per_account: int = 5
    sign_in_failures_per_client: int = 20
    password_resets_per_account: int = 5
    password_resets_per_client: int = 20
    throttle_lock_seconds: float = 30.0
    throttle_max_lock_seconds: float = 900.0
    throttle_window_seconds: float = 900.0
    # proxies whose X-Forwarded-For names the client (the portal signs people in on their
    # behalf); a request from one that names no one else is counted per account only
    trusted_proxies: str = "127.0.0.0/8,::1"
    import_lease_seconds: float = 60.0
    document_retention_days: int = 30
    retention_sweep_seconds: float = 3600.0
    # visa support letters: the organiser's letterhead (one line per line) and who signs
    letterhead: str = "Secretariat of the Host Country\nOrganising Committee"
    letter_signatory: str = "Head of the Accreditation Service"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for network in value.split(","):
            if network.strip():
                ipaddress.ip_network(network.strip(), strict=False)  # ValueError names it
        return value

    @model_validator(mode="after")
    def _load_key_files(self) -> "Settings":
        if not self.data_key and self.data_key_file:
            self.data_key = self.data_key_file.read_text().strip()
        if not self.jwt_private_key and self.jwt_private_key_file:
            self.jwt_private_key = self.jwt_private_key_file.read_text()
        if not self.link_seal_key and self.link_seal_key_file:
            self.link_seal_key = self.link_seal_key_file.read_text().strip()
        if not self.badge_key and self.badge_key_file:
            self.badge_key = self.badge_key_file.read_text()
        return self

    def throttle_rule(self, free: int) -> Rule:
        """The throttle rule allowing `free` strikes before the first lock."""
        return Rule(
            free=free,
            base=timedelta(seconds=self.throttle_lock_seconds),
            cap=timedelta(seconds=self.throttle_max_lock_seconds),
            window=timedelta(seconds=self.throttle_window_seconds),
        )

    @property
    def links(self) -> "Links":
        """Builder of portal links."""
        return Links(portal_url=self.portal_url, seal_key=self.link_seal_key)
