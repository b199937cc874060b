"""Webhook deliveries: the address check (no server-side request forgery), the signature,
one POST.

A webhook URL must be https and every address its host resolves to must be public: loopback,
private, link-local, multicast, reserved and unspecified addresses are refused, at
registration and again before each delivery (a name may resolve elsewhere later). Redirects
are not followed. ``MATCHER_WEBHOOK_ALLOW_PRIVATE`` lifts both rules (a test receiver on
loopback, an internal deployment).

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


class WebhookRefused(ValueError):
    """The URL may not be delivered to (its reason is the message)."""


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """What is wrong with the URL's form, or None."""
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_private else ("https",)):
        return "the webhook URL must start with https://"
    if not parts.hostname:
        return "the webhook URL has no host"
    if parts.username or parts.password:
        return "the webhook URL may not carry a user name or password"
    return None


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
    except OSError:
        raise WebhookRefused(f"the webhook host {host} cannot be resolved") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
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
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            resp = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None if 200 <= resp.status_code < 300 else f"HTTP {resp.status_code}"
