"""Brute-force throttling: per account and per client IP, counters in Postgres."""

from __future__ import annotations

import pytest

from shared import db
from tests.conftest import Configure
from tests.identity.conftest import Api, error


@pytest.fixture
def limits(api: Api, configure: Configure) -> Api:
    configure(
        LOGIN_MAX_FAILURES_PER_ACCOUNT="3",
        LOGIN_MAX_FAILURES_PER_IP="5",
        LOGIN_FAILURE_WINDOW_SECONDS="600",
    )
    return api


def test_account_is_throttled_after_n_failures(limits: Api) -> None:
    api = limits
    api.register("rita")
    for i in range(3):  # from different IPs: the account counter alone trips
        assert api.login("rita", "WrongPass123!", source_ip=f"10.0.0.{i}").status_code == 401
    blocked = api.login("rita", source_ip="10.0.0.9")  # even the right password
    assert error(blocked) == (
        429,
        "TOO_MANY_REQUESTS",
        "Too many failed login attempts. Please try again later.",
    )
    assert 1 <= int(blocked.headers["retry-after"]) <= 600
    # By email too: the counter belongs to the account, not the identifier.
    by_email = api.post(
        "/api/v1/auth/login", json_body={"email": "rita@example.com", "password": "x"}
    )
    assert by_email.status_code == 429
    # Another account from the same IPs is unaffected.
    api.register("sam")
    assert api.login("sam", source_ip="10.0.0.1").status_code == 200


def test_throttle_ends_when_the_window_passes(limits: Api) -> None:
    api = limits
    api.register("tina")
    for _ in range(3):
        api.login("tina", "WrongPass123!")
    assert api.login("tina").status_code == 429
    db.connection().execute(
        "UPDATE login_attempts SET window_started_at = now() - interval '601 seconds'"
    )
    assert api.login("tina").status_code == 200


def test_ip_is_throttled_across_accounts(limits: Api) -> None:
    api = limits
    for i in range(5):
        assert api.login(f"ghost{i}", "WrongPass123!", source_ip="192.0.2.7").status_code == 401
    api.register("uma")
    assert api.login("uma", source_ip="192.0.2.7").status_code == 429
    assert api.login("uma", source_ip="192.0.2.8").status_code == 200


def test_success_resets_the_account_counter(limits: Api) -> None:
    api = limits
    api.register("vera")
    for _ in range(2):
        api.login("vera", "WrongPass123!", source_ip="198.51.100.1")
    assert api.login("vera", source_ip="198.51.100.2").status_code == 200
    for _ in range(2):
        assert api.login("vera", "WrongPass123!", source_ip="198.51.100.3").status_code == 401
    assert api.login("vera", source_ip="198.51.100.4").status_code == 200


def test_unknown_accounts_are_throttled_like_real_ones(limits: Api) -> None:
    api = limits
    for i in range(3):
        api.login("nosuchuser", "WrongPass123!", source_ip=f"203.0.113.{i}")
    assert api.login("nosuchuser", source_ip="203.0.113.99").status_code == 429
