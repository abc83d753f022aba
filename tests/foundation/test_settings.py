"""The settings object refuses unsafe configuration outside dev/test."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings

SAFE_PROD = {
    "environment": "prod",
    "database_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
    "cors_allowed_origins": ["https://app.example.com"],
    "webhook_signing_secret": "s" * 40,
}


def test_dev_defaults_are_accepted() -> None:
    settings = Settings(environment="dev")
    assert settings.db_prepare_threshold == 5
    assert settings.max_body_bytes == 2 * 1024 * 1024


def test_safe_production_configuration_is_accepted() -> None:
    assert Settings(**SAFE_PROD).environment == "prod"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"cors_allowed_origins": ["*"]}, "not '\\*'"),
        ({"cors_allowed_origins": ["http://app.example.com"]}, "https"),
        ({"webhook_signing_secret": "short"}, "32\\+ chars"),
        ({"database_secret_arn": None}, "DATABASE_URL or DATABASE_SECRET_ARN"),
    ],
)
def test_unsafe_production_configuration_is_refused(
    override: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings(**{**SAFE_PROD, **override})  # type: ignore[arg-type]


def test_a_generated_webhook_secret_replaces_the_inline_one() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook"
    overrides = {"webhook_signing_secret": "short", "webhook_signing_secret_arn": arn}
    assert Settings(**{**SAFE_PROD, **overrides}).webhook_signing_secret_arn == arn  # type: ignore[arg-type]


def test_prepare_threshold_can_be_disabled_for_rds_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", "none")
    assert Settings().db_prepare_threshold is None
