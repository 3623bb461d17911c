"""Outbound requests only to public addresses: no loopback, private, link-local or metadata ones."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._backends.auto import AutoBackend

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)


class Refused(Exception):
    """The destination is not one this service may call."""


def why_forbidden(ip: IP) -> str | None:
    """Why an address may not be called, or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private or ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class EgressPolicy:
    """Which destinations are allowed beyond public addresses (a development allow-list)."""

    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_list(cls, entries: Iterable[str]) -> EgressPolicy:
        """From entries such as `127.0.0.2`, `10.0.0.0/8` or `receiver.internal`."""
        networks, hosts = [], set()
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower())
        return cls(tuple(networks), frozenset(hosts))

    def pick(self, host: str, addresses: list[IP]) -> IP:
        """The address to connect to; Refused if any address of the host is forbidden."""
        if not addresses:
            raise Refused(f"{host} does not resolve to any address")
        if host.lower() in self.allowed_hosts:
            return addresses[0]
        for ip in addresses:
            reason = why_forbidden(ip)
            if reason and not any(ip in net for net in self.allowed_networks):
                raise Refused(f"{host} resolves to {ip}, {reason}")
        return addresses[0]


async def resolve(host: str, port: int) -> list[IP]:
    """Every address a host name (or literal) stands for."""
    literal = host.strip("[]")
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(literal, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve ({exc.strerror})") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


async def check_url(url: str, policy: EgressPolicy) -> None:
    """Refused unless the URL is http(s) to a host whose every address may be called."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https addresses with a host name can receive webhooks")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    policy.pick(parts.hostname, await resolve(parts.hostname, port))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves once, checks the addresses, and connects to the checked one (no DNS rebinding)."""

    def __init__(self, policy: EgressPolicy) -> None:
        self._policy = policy
        self._inner = AutoBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            ip = self._policy.pick(host, await resolve(host, port))
        except Refused as exc:
            raise httpcore.ConnectError(f"refused: {exc}") from exc
        return await self._inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("refused: unix sockets are not a webhook destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_client(policy: EgressPolicy, *, max_connections: int = 200) -> httpx.AsyncClient:
    """An HTTP client that reaches only allowed addresses, follows no redirect, ignores proxies."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=max_connections,
        max_keepalive_connections=50,
        keepalive_expiry=30.0,
        network_backend=_GuardedBackend(policy),
    )
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False)
