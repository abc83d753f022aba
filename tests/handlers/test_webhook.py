"""webhook: real HTTP to a loopback server (allowed by WEBHOOK_ALLOWED_NETWORKS), signature and
idempotency key, each failure class, and the SSRF guard without the allow-list."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from shared.settings import get_settings
from shared.tasks.handlers.webhook import retry_after_seconds
from shared.tasks.registry import PermanentTaskError, TransientTaskError
from tests.conftest import Configure
from tests.handlers.conftest import Run, context
from tests.handlers.fake_http import FakeServer, fake_server
from tools import pg


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with fake_server() as s:
        yield s


@pytest.fixture
def allowed(configure: Configure) -> Iterator[None]:
    configure(WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32")
    yield


def test_posts_signed_json_with_the_idempotency_key(
    server: FakeServer, allowed: None, run: Run
) -> None:
    ctx = context()
    out = run(
        "webhook",
        {
            "url": server.url("/ok"),
            "payload": {"event": "done", "n": 1},
            "headers": {"X-Custom": "yes"},
        },
        ctx,
    )
    assert out.result["response_status"] == 200
    assert out.result["response_body"] == {"success": True}
    assert out.result["method"] == "POST"
    [request] = server.requests
    assert request.method == "POST"
    assert json.loads(request.body) == {"event": "done", "n": 1}
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["idempotency-key"] == str(ctx.task_id)
    assert headers["content-type"] == "application/json"
    assert headers["x-custom"] == "yes"
    secret = get_settings().handlers.webhook_signing_secret.encode()
    expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-webhook-signature"], f"sha256={expected}")


def test_the_idempotency_key_is_the_same_on_every_attempt(
    server: FakeServer, allowed: None, run: Run
) -> None:
    ctx = context()
    run("webhook", {"url": server.url("/ok")}, ctx)
    run("webhook", {"url": server.url("/ok")}, ctx)
    keys = {r.headers["Idempotency-Key"] for r in server.requests}
    assert keys == {str(ctx.task_id)}


def test_other_methods_and_a_get_without_body(server: FakeServer, allowed: None, run: Run) -> None:
    assert run("webhook", {"url": server.url("/ok"), "method": "put"}).result["method"] == "PUT"
    run("webhook", {"url": server.url("/ok"), "method": "GET"})
    assert [r.method for r in server.requests] == ["PUT", "GET"]
    assert server.requests[1].body == b""


def test_the_response_kept_is_at_most_4_kb(server: FakeServer, allowed: None, run: Run) -> None:
    result = run("webhook", {"url": server.url("/big")}).result
    assert len(result["response_body"]) == 4096
    assert result["response_truncated"] is True


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_retryable_statuses_are_transient(
    server: FakeServer, allowed: None, run: Run, status: int
) -> None:
    with pytest.raises(TransientTaskError, match=f"Webhook endpoint returned {status}") as exc:
        run("webhook", {"url": server.url(f"/status/{status}")})
    assert exc.value.retry_after is None


def test_retry_after_is_passed_on(server: FakeServer, allowed: None, run: Run) -> None:
    with pytest.raises(TransientTaskError) as exc:
        run("webhook", {"url": server.url("/status/429?retry-after=120")})
    assert exc.value.retry_after == 120.0


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(minutes=10)
    seconds = retry_after_seconds(format_datetime(when, usegmt=True))
    assert seconds is not None and 590 <= seconds <= 600
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_other_client_errors_are_permanent(
    server: FakeServer, allowed: None, run: Run, status: int
) -> None:
    with pytest.raises(PermanentTaskError, match=f"Webhook endpoint returned {status}"):
        run("webhook", {"url": server.url(f"/status/{status}")})


def test_a_timeout_is_transient(
    server: FakeServer, allowed: None, run: Run, configure: Configure
) -> None:
    configure(WEBHOOK_TIMEOUT_SECONDS="0.5")
    with pytest.raises(TransientTaskError, match="timed out"):
        run("webhook", {"url": server.url("/slow?seconds=2")})


def test_a_refused_connection_is_transient(allowed: None, run: Run) -> None:
    with pytest.raises(TransientTaskError, match="connection failed"):
        run("webhook", {"url": f"http://127.0.0.1:{pg.free_port()}/hook"})


def test_redirects_are_followed_to_allowed_addresses(
    server: FakeServer, allowed: None, run: Run
) -> None:
    target = quote(server.url("/ok"), safe="")
    result = run("webhook", {"url": server.url(f"/redirect?code=307&to={target}")}).result
    assert result["response_status"] == 200
    assert result["final_url"] == server.url("/ok")
    assert [r.method for r in server.requests] == ["POST", "POST"]  # 307 keeps the method


def test_a_303_turns_into_a_get(server: FakeServer, allowed: None, run: Run) -> None:
    target = quote(server.url("/ok"), safe="")
    run("webhook", {"url": server.url(f"/redirect?code=303&to={target}")})
    assert [r.method for r in server.requests] == ["POST", "GET"]


def test_a_redirect_loop_stops(server: FakeServer, allowed: None, run: Run) -> None:
    loop = server.url("/redirect")
    with pytest.raises(PermanentTaskError, match="redirects"):
        run("webhook", {"url": loop})


# ---- SSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::1]:{port}/ok",
        "http://localhost:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://0.0.0.0:{port}/ok",
        "http://224.0.0.1/hook",
        "http://100.100.100.200/latest/meta-data/",
    ],
)
def test_non_public_addresses_are_refused_without_the_allow_list(
    server: FakeServer, run: Run, url: str
) -> None:
    with pytest.raises(PermanentTaskError, match="Webhook URL refused"):
        run("webhook", {"url": url.format(port=server.port)})
    assert server.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::1]:{port}/ok",
    ],
)
def test_a_redirect_to_a_non_public_address_is_refused(
    run: Run, configure: Configure, target: str
) -> None:
    # The first hop (127.0.0.2) is allowed; the redirect target is not.
    configure(WEBHOOK_ALLOWED_NETWORKS="127.0.0.2/32")
    with fake_server("127.0.0.2") as entry, fake_server() as internal:
        to = quote(target.format(port=internal.port), safe="")
        with pytest.raises(PermanentTaskError, match="Webhook URL refused"):
            run("webhook", {"url": entry.url(f"/redirect?to={to}")})
        assert len(entry.requests) == 1
        assert internal.requests == []


def test_the_connection_goes_to_the_checked_address(
    server: FakeServer, allowed: None, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers 127.0.0.1 (allowed) when checked and 10.0.0.1 after;
    the request still reaches the checked address, with the URL's Host."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.test":
            return real(next(answers, "10.0.0.1"), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    result = run("webhook", {"url": f"http://hooks.example.test:{server.port}/ok"}).result
    assert result["response_status"] == 200
    assert server.requests[0].headers["Host"] == f"hooks.example.test:{server.port}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_verifies_the_certificate_of_the_url_host(
    certificate: tuple[Path, Path], allowed: None, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_server(tls=certificate) as server:
        url = server.url("/ok").replace("http://", "https://")
        with pytest.raises(PermanentTaskError, match="TLS certificate rejected"):
            run("webhook", {"url": url})
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # now a trusted CA
        assert run("webhook", {"url": url}).result["response_status"] == 200


def test_a_non_http_redirect_is_refused(server: FakeServer, allowed: None, run: Run) -> None:
    with pytest.raises(PermanentTaskError, match="non-HTTP"):
        run("webhook", {"url": server.url("/redirect?to=file:///etc/passwd")})
    with pytest.raises(PermanentTaskError, match="invalid"):
        run("webhook", {"url": server.url("/redirect?to=http://example.com:99999/")})


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "url"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "/relative"}, "url"),
        ({"url": "http://example.com:99999/"}, "url"),
        ({"url": "https://example.com", "method": "TRACE"}, "method"),
        ({"url": "https://example.com", "headers": {"Idempotency-Key": "x"}}, "headers"),
        ({"url": "https://example.com", "headers": {"X-A": "a\r\nX-B: b"}}, "headers"),
        ({"url": "https://example.com", "headers": ["x"]}, "headers"),
    ],
)
def test_invalid_payloads_fail_permanently_naming_the_field(
    run: Run, payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(PermanentTaskError, match=f"Invalid payload: {field}"):
        run("webhook", payload)


def test_an_invalid_allow_list_is_a_permanent_error(run: Run, configure: Configure) -> None:
    configure(WEBHOOK_ALLOWED_NETWORKS="not-a-network")
    with pytest.raises(PermanentTaskError, match="WEBHOOK_ALLOWED_NETWORKS"):
        run("webhook", {"url": "http://127.0.0.1:9/x"})


def test_a_deployed_worker_signs_with_the_stacks_generated_secret(
    server: FakeServer, allowed: None, run: Run, aws_env: str, configure: Configure
) -> None:
    import boto3

    key = "k" * 48
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"webhook-{datetime.now(UTC).timestamp()}", SecretString=key
    )["ARN"]
    configure(WEBHOOK_SIGNING_SECRET_ARN=arn)
    run("webhook", {"url": server.url("/ok"), "payload": {"n": 1}}, context())
    [request] = server.requests
    expected = hmac.new(key.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Webhook-Signature"] == f"sha256={expected}"
