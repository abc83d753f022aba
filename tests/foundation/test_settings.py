"""The settings object: grouped by concern, read from flat environment variables, and refusing
unsafe configuration outside dev/test."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.settings import get_settings
from tests.conftest import Configure

SAFE_PROD: dict[str, str | None] = {
    "ENVIRONMENT": "prod",
    "DATABASE_URL": None,
    "DATABASE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
    "CORS_ALLOWED_ORIGINS": "https://app.example.com",
    "WEBHOOK_SIGNING_SECRET": "s" * 40,
    "WEBHOOK_SIGNING_SECRET_ARN": None,
    "INITIAL_ADMIN_PASSWORD": None,
    "PROMETHEUS_SCRAPE_TOKEN": None,
}


def test_dev_defaults_are_accepted(configure: Configure) -> None:
    configure(ENVIRONMENT="dev", DB_PREPARE_THRESHOLD=None, MAX_BODY_BYTES=None)
    settings = get_settings()
    assert settings.database.db_prepare_threshold == 5
    assert settings.http.max_body_bytes == 1024 * 1024


def test_each_group_reads_its_own_variables(configure: Configure) -> None:
    configure(
        TASK_RETENTION_DAYS="7",
        SESSION_HOURS="12",
        EVENT_RETENTION_DAYS="9",
        WEBHOOK_ALLOWED_NETWORKS="10.0.0.0/8, 192.168.0.0/16",
        CORS_ALLOWED_ORIGINS='["https://a.example.com", "https://b.example.com"]',
    )
    settings = get_settings()
    assert settings.tasks.task_retention_days == 7
    assert settings.identity.session_hours == 12
    assert settings.monitoring.event_retention_days == 9
    assert settings.handlers.webhook_allowed_networks == ["10.0.0.0/8", "192.168.0.0/16"]
    assert settings.http.cors_allowed_origins == ["https://a.example.com", "https://b.example.com"]


def test_safe_production_configuration_is_accepted(configure: Configure) -> None:
    configure(**SAFE_PROD)
    assert get_settings().environment == "prod"


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"CORS_ALLOWED_ORIGINS": "*"}, "not '\\*'"),
        ({"CORS_ALLOWED_ORIGINS": "http://app.example.com"}, "https"),
        ({"WEBHOOK_SIGNING_SECRET": "short"}, "32\\+ chars"),
        ({"DATABASE_SECRET_ARN": None}, "DATABASE_URL or DATABASE_SECRET_ARN"),
        ({"INITIAL_ADMIN_PASSWORD": "Inline123!"}, "INITIAL_ADMIN_PASSWORD_SECRET_ARN"),
        ({"PROMETHEUS_SCRAPE_TOKEN": "inline"}, "PROMETHEUS_SCRAPE_TOKEN_SECRET_ARN"),
    ],
)
def test_unsafe_production_configuration_is_refused(
    configure: Configure, override: dict[str, str | None], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        configure(**{**SAFE_PROD, **override})
        get_settings()


def test_a_validation_error_never_echoes_a_secret(configure: Configure) -> None:
    with pytest.raises(ValidationError) as error:
        configure(**{**SAFE_PROD, "WEBHOOK_SIGNING_SECRET": "short-but-secret"})
        get_settings()
    assert "short-but-secret" not in str(error.value)


def test_a_generated_webhook_secret_replaces_the_inline_one(configure: Configure) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook"
    configure(**{**SAFE_PROD, "WEBHOOK_SIGNING_SECRET": "short", "WEBHOOK_SIGNING_SECRET_ARN": arn})
    assert get_settings().handlers.webhook_signing_secret_arn == arn


def test_prepare_threshold_can_be_disabled_for_rds_proxy(configure: Configure) -> None:
    configure(DB_PREPARE_THRESHOLD="none")
    assert get_settings().database.db_prepare_threshold is None


def test_a_dotenv_file_fills_in_what_the_environment_leaves_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import Settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SESSION_HOURS=6\nTASK_RETENTION_DAYS=3\n")
    settings = Settings.from_environment({"SESSION_HOURS": "12", "ENVIRONMENT": "test"})
    assert settings.identity.session_hours == 12  # the environment wins
    assert settings.tasks.task_retention_days == 3
    assert settings.service_name == "serverless-starter"
    assert Settings.from_environment({"POWERTOOLS_SERVICE_NAME": "x"}).service_name == "x"


def test_a_value_of_the_wrong_type_is_refused_by_name() -> None:
    from shared.settings import Settings

    with pytest.raises(ValidationError, match="session_hours"):
        Settings.from_environment({"SESSION_HOURS": "many"})
