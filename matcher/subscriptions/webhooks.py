"""Webhook deliveries: the address check (no server-side request forgery), the signature,
one POST.

A webhook URL must be https and every address its host resolves to must be public: loopback,
private, link-local, multicast, reserved and unspecified addresses are refused (also inside
IPv4-mapped, 6to4 and NAT64 addresses), at registration and again before each delivery (a
name may resolve elsewhere later). Redirects are not followed, proxies from the environment
are not used and no response body is read. Known limit: the connection resolves the name
again, so a name that answers differently within seconds (DNS rebinding) could still reach a
private address; certificate verification then fails for any host that cannot present a
certificate for the name, which leaves blind probing. ``MATCHER_WEBHOOK_ALLOW_PRIVATE``
lifts both rules (a test receiver on loopback, an internal deployment).

Each delivery carries ``X-Matcher-Timestamp`` (Unix seconds) and ``X-Matcher-Signature``:
``sha256=`` and the hex HMAC-SHA256, under the subscription's secret, of the timestamp, a dot
and the raw body. A receiver recomputes it and rejects old timestamps (replays).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

TIMEOUT_S = 5.0
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv6 addresses that stand for IPv4 ones


class WebhookRefused(ValueError):
    """The URL may not be delivered to (its reason is the message)."""


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """What is wrong with the URL's form, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError:
        return "the webhook URL cannot be read"
    if parts.scheme not in (("https", "http") if allow_private else ("https",)):
        return "the webhook URL must start with https://"
    if not parts.hostname:
        return "the webhook URL has no host"
    if parts.username or parts.password:
        return "the webhook URL may not carry a user name or password"
    return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, also after unwrapping an IPv4 address carried inside an
    IPv6 one (mapped, 6to4, NAT64), which Python's ``is_global`` does not look into."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None and not _public(inner):
            return False
    return address.is_global and not address.is_multicast


async def check_address(url: str, *, allow_private: bool) -> None:
    """Raise ``WebhookRefused`` unless the URL is well formed and its host resolves only to
    public addresses."""
    problem = url_problem(url, allow_private=allow_private)
    if problem:
        raise WebhookRefused(problem)
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or 443, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        raise WebhookRefused(f"the webhook host {host} cannot be resolved") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not _public(address):
            raise WebhookRefused(
                f"the webhook host {host} resolves to a non-public address ({address})"
            )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


async def post(
    url: str, secret: str, payload: dict[str, Any], *, delivery_id: str, allow_private: bool
) -> str | None:
    """Deliver ``payload`` once; None when the receiver answered 2xx, else what went wrong
    (no response body is read)."""
    try:
        await check_address(url, allow_private=allow_private)
    except WebhookRefused as exc:
        return str(exc)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "talent-matcher-webhooks/1",
        "X-Matcher-Delivery": delivery_id,
        "X-Matcher-Timestamp": str(stamp),
        "X-Matcher-Signature": sign(secret, stamp, body),
    }
    try:
        # No proxy from the environment (it would reach what the address check refused),
        # no redirects, the response body never read, and one deadline for it all.
        async with (
            asyncio.timeout(TIMEOUT_S * 2),
            httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False, trust_env=False) as client,
            client.stream("POST", url, content=body, headers=headers) as resp,
        ):
            status = resp.status_code
    except (httpx.HTTPError, TimeoutError) as exc:
        return type(exc).__name__
    return None if 200 <= status < 300 else f"HTTP {status}"
