"""`webhook`: an HTTP request to a caller-given URL, signed.

Headers: `Idempotency-Key: <task id>` (the same on every attempt, so the receiver can drop
repeats) and `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body, WEBHOOK_SIGNING_SECRET>`.

SSRF guard: the host is resolved and every address must be public (not loopback, private,
link-local - which holds the cloud metadata endpoint 169.254.169.254 - multicast, reserved,
shared or unspecified) unless inside WEBHOOK_ALLOWED_NETWORKS. The connection then goes to the
address that was checked (the Host header and TLS name stay the URL's), so a DNS answer that
changes between the check and the connect (rebinding) cannot redirect it. Redirects are followed
up to MAX_REDIRECTS times, each target checked the same way. Refusals are permanent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, Field, field_validator

from shared import secrets
from shared.settings import Settings, get_settings
from shared.tasks.registry import (
    PermanentTaskError,
    TaskContext,
    TransientTaskError,
    task_handler,
)
from shared.timestamps import format_timestamp

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SIGNATURE_HEADER = "X-Webhook-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Set by this handler; a payload may not override them.
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        IDEMPOTENCY_HEADER.lower(),
        SIGNATURE_HEADER.lower(),
    }
)
MAX_REDIRECTS = 3
MAX_RESPONSE_BYTES = 4096
REDIRECTS = frozenset({301, 302, 303, 307, 308})
TRANSIENT_STATUSES = frozenset({408, 429})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookPayload(BaseModel):
    url: str
    method: str = "POST"
    payload: Any = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http or https URL")
        _ = parts.port  # raises ValueError for a port out of range
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        method = value.upper()
        if method not in METHODS:
            raise ValueError(f"must be one of {', '.join(METHODS)}")
        return method

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by the webhook handler")
            if not name or any(c in name for c in " :\r\n") or any(c in text for c in "\r\n"):
                raise ValueError(f"header {name!r} is malformed")
        return value


def admit(payload: WebhookPayload) -> None:
    """At submit: the URL must resolve to addresses the worker would connect to. The worker
    checks again before every request (DNS can change in between)."""
    parts = urlsplit(payload.url)
    assert parts.hostname is not None  # WebhookPayload guarantees an absolute URL
    checked_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signing_secret(settings: Settings) -> str:
    """The HMAC key: the stack's Secrets Manager secret when deployed, else
    WEBHOOK_SIGNING_SECRET (dev/test)."""
    handlers = settings.handlers
    key = secrets.inline_or_secret(
        handlers.webhook_signing_secret, handlers.webhook_signing_secret_arn
    )
    return key or handlers.webhook_signing_secret


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [
            ipaddress.ip_network(n, strict=False)
            for n in get_settings().handlers.webhook_allowed_networks
        ]
    except ValueError as exc:
        raise PermanentTaskError(f"WEBHOOK_ALLOWED_NETWORKS is invalid: {exc}") from None


def _public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to: every address the host resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TransientTaskError(f"Webhook host {host} could not be resolved: {exc}") from None
    allowed = _allowed_networks()
    addresses: list[str] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])  # drop an IPv6 zone id
        if not _public(ip) and not any(ip in net for net in allowed):
            raise PermanentTaskError(
                f"Webhook URL refused: {host} resolves to a non-public address ({ip})"
            )
        if str(ip) not in addresses:
            addresses.append(str(ip))
    return addresses


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """The first checked address that accepts (as a browser tries IPv6 and IPv4 in turn)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    assert error is not None
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes, url: str):
        self.status, self.body, self.url = status, body, url
        self.retry_after = headers.get("Retry-After")
        location = headers.get("Location")
        try:
            self.redirect = urljoin(url, location) if status in REDIRECTS and location else None
        except ValueError:
            raise PermanentTaskError(f"Webhook redirected to an invalid URL: {location}") from None


def _exchange(
    url: str, method: str, body: bytes | None, headers: dict[str, str], timeout: float
) -> _Response:
    """One request to the checked address of the URL's host."""
    parts = urlsplit(url)
    host = parts.hostname
    https = parts.scheme == "https"
    try:
        port = parts.port or (443 if https else 80)
    except ValueError:
        raise PermanentTaskError(f"Webhook URL has an invalid port: {url}") from None
    if not host:
        raise PermanentTaskError(f"Webhook URL has no host: {url}")
    addresses = checked_addresses(host, port)
    cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    conn = cls(host, port, addresses, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read(MAX_RESPONSE_BYTES + 1)  # never the whole of a huge answer
        return _Response(response.status, response.headers, data, url)
    except ssl.SSLCertVerificationError as exc:
        raise PermanentTaskError(
            f"Webhook TLS certificate rejected: {exc.verify_message}"
        ) from None
    except TimeoutError:
        raise TransientTaskError(f"Webhook request timed out after {timeout:.1f}s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise TransientTaskError(
            f"Webhook connection failed: {exc or type(exc).__name__}"
        ) from None
    finally:
        conn.close()


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _deliver(payload: WebhookPayload, ctx: TaskContext) -> _Response:
    settings = get_settings()
    url, method = payload.url, payload.method
    body: bytes | None = None if method == "GET" else json.dumps(payload.payload).encode()
    extra = dict(payload.headers)
    key = signing_secret(settings)
    for _ in range(MAX_REDIRECTS + 1):
        headers = {
            **extra,
            "User-Agent": f"{settings.service_name}-webhook/{settings.version}",
            IDEMPOTENCY_HEADER: str(ctx.task_id),
            SIGNATURE_HEADER: signature(key, body or b""),
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        timeout = max(0.5, min(settings.handlers.webhook_timeout_seconds, ctx.remaining_seconds()))
        response = _exchange(url, method, body, headers, timeout)
        if response.redirect is None:
            return response
        target = response.redirect
        try:
            parts = urlsplit(target)
            _ = parts.port  # raises ValueError for a port out of range
        except ValueError:
            raise PermanentTaskError(f"Webhook redirected to an invalid URL: {target}") from None
        if parts.scheme not in ("http", "https"):
            raise PermanentTaskError(f"Webhook redirected to a non-HTTP URL: {target}")
        if _origin(target) != _origin(url):
            extra = {}  # the caller's headers (credentials, perhaps) stay with their origin
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None  # what browsers and HTTP clients do
        url = target
    raise PermanentTaskError(f"Webhook stopped after {MAX_REDIRECTS} redirects")


@task_handler(
    "webhook",
    "Sends a signed HTTP request to a URL",
    WebhookPayload,
    admit=admit,
    example={"url": "https://example.com/hooks/task", "payload": {"hello": "world"}},
)
def webhook(payload: WebhookPayload, ctx: TaskContext) -> dict[str, Any]:
    response = _deliver(payload, ctx)
    status = response.status
    if status in TRANSIENT_STATUSES or status >= 500:
        raise TransientTaskError(
            f"Webhook endpoint returned {status}", retry_after_seconds(response.retry_after)
        )
    if not 200 <= status < 300:
        raise PermanentTaskError(f"Webhook endpoint returned {status}")
    truncated = len(response.body) > MAX_RESPONSE_BYTES
    text = response.body[:MAX_RESPONSE_BYTES].decode("utf-8", errors="replace")
    body: Any = text
    if not truncated:
        with contextlib.suppress(ValueError):
            body = json.loads(text) if text else None
    return {
        "url": payload.url,
        "final_url": response.url,
        "method": payload.method,
        "response_status": status,
        "response_body": body,
        "response_truncated": truncated,
        "sent_at": format_timestamp(datetime.now(UTC)),
    }
