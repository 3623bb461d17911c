"""Every service's declared authorization policy as one Markdown table (`plenary policy`)."""

from __future__ import annotations

import importlib

from plenary_shared.auth import Role

SERVICES = ("scheduling", "delegation", "registration", "notification")
ROLES = [r.value for r in Role]


def policy_of(service: str):
    """The POLICY a service declares."""
    return importlib.import_module(f"plenary_{service}.entrypoints.api.policy").POLICY


def markdown(services: tuple[str, ...] = SERVICES) -> str:
    """One row per service and action, one column per role (blank: refused with 403)."""
    lines = [
        "| service | action | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for service in services:
        policy = policy_of(service)
        for action, roles in policy.table():
            cells = [roles.get(role, "") for role in ROLES]
            lines.append(f"| {service} | `{action}` | " + " | ".join(cells) + " |")
        for route in sorted(policy.public):
            lines.append(
                f"| {service} | public: `{route}` | " + " | ".join("any" for _ in ROLES) + " |"
            )
    return "\n".join(lines)
