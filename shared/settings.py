"""The one settings object, read from the environment once per execution environment.

Grouped by concern, so a module asks for only its part (`get_settings().tasks`). Every field is
named exactly as its environment variable (lower-cased), whatever its group: `template.yaml`, the
local stack and `.env` files use one flat namespace.

Plain pydantic models fed one read of the environment: a cold start pays for neither a settings
library nor a read of the environment per group. Values arrive as strings and pydantic's lax mode
converts them ("5" to 5, "true" to True); a `.env` file in the working directory, when there is
one, fills in what the environment does not set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Environment = Literal["dev", "test", "staging", "prod"]
SAFE_ENVIRONMENTS: frozenset[str] = frozenset({"dev", "test"})
DEV_WEBHOOK_SECRET = "dev-webhook-secret-change-me"  # noqa: S105 - refused outside dev/test

# hide_input_in_errors: a validation error must not echo secrets into logs or deploy events.
_CONFIG = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


def _split_list(value: object) -> object:
    """Accept "a,b" as well as a JSON array, so the env var works either way (CloudFormation
    passes a CommaDelimitedList as "a,b")."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


CommaList = list[str]


class DatabaseSettings(BaseModel):
    model_config = _CONFIG

    # DATABASE_URL wins; otherwise the Secrets Manager secret (RDS JSON shape).
    database_url: str | None = None
    database_secret_arn: str | None = None
    db_connect_timeout_seconds: int = Field(default=3, ge=1, le=60)
    db_statement_timeout_ms: int = Field(default=10_000, ge=100)
    # None disables server-side prepared statements: required behind RDS Proxy (pinning).
    db_prepare_threshold: int | None = 5
    # After this much idle time a cheap ping guards against a connection the server dropped.
    db_ping_after_idle_seconds: float = Field(default=60.0, ge=0)
    # RDS Proxy: connect to its endpoint instead of the secret's host; with IAM auth the
    # password is a 15-minute token signed with the function's role, not the secret's.
    db_proxy_endpoint: str | None = None
    db_iam_auth: bool = False
    # A CA bundle file: TLS is then verify-full (certificate and host name checked), not require.
    db_ssl_root_cert: str | None = None

    @field_validator("db_prepare_threshold", mode="before")
    @classmethod
    def _disable_prepare(cls, value: object) -> object:
        """DB_PREPARE_THRESHOLD=none (or empty) turns prepared statements off for RDS Proxy."""
        if isinstance(value, str) and value.strip().lower() in {"", "none", "null", "off"}:
            return None
        return value


class HttpSettings(BaseModel):
    model_config = _CONFIG

    cors_allowed_origins: CommaList = Field(default_factory=lambda: ["http://localhost:5173"])
    # No endpoint needs more; a larger body is refused (413) before any route code runs.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    _lists = field_validator("cors_allowed_origins", mode="before")(_split_list)


class IdentitySettings(BaseModel):
    model_config = _CONFIG

    session_hours: int = Field(default=24, ge=1)
    refresh_min_interval_minutes: int = Field(default=5, ge=0)
    refresh_extend_hours: int = Field(default=24, ge=1)
    session_idle_days: int = Field(default=30, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    # Only honoured when ENVIRONMENT=test: Argon2id at the production cost (m=19456 KiB, t=2)
    # makes every test that logs in slow. Every other environment uses the production parameters.
    argon2_fast_in_tests: bool = True
    # The bootstrap admin's password: a Secrets Manager ARN when deployed; inline in dev/test.
    initial_admin_password_secret_arn: str | None = None
    initial_admin_password: str | None = Field(default=None, repr=False)


class TaskSettings(BaseModel):
    model_config = _CONFIG

    # Queues (filled in by the template / local stack).
    task_queue_url: str | None = None
    priority_task_queue_url: str | None = None
    # Lease = task timeout + margin; the worker stops waiting for a handler this long before the
    # Lambda's own deadline, to record the outcome.
    task_lease_margin_seconds: float = Field(default=30.0, ge=0)
    worker_deadline_margin_seconds: float = Field(default=10.0, ge=0)
    # The sweeper leaves an unsent task alone this long after its last change: the API or the
    # worker is probably still sending it.
    task_enqueue_grace_seconds: float = Field(default=30.0, ge=0)
    # A due task sent this long ago and still waiting lost its message (a queue purged, a
    # local stack restarted): the sweeper sends it again. The claim absorbs duplicates.
    task_resend_after_seconds: float = Field(default=600.0, ge=0)
    # When the database is unreachable during a claim, the batch becomes visible again after
    # this many seconds, doubled per receive (at most 300), not after the queue's 90 minutes.
    task_redelivery_base_seconds: int = Field(default=5, ge=0, le=300)
    task_sweep_batch_size: int = Field(default=500, ge=1, le=10_000)
    task_breaker_failure_threshold: int = Field(default=5, ge=1)
    task_breaker_success_threshold: int = Field(default=3, ge=1)
    task_breaker_open_seconds: float = Field(default=60.0, ge=0)
    task_retention_days: int = Field(default=30, ge=1)


class HandlerSettings(BaseModel):
    """The built-in task handlers' outside world: SES, webhooks, the reports bucket."""

    model_config = _CONFIG

    webhook_signing_secret: str = Field(default=DEV_WEBHOOK_SECRET, repr=False)
    # Deployed stacks generate the key in Secrets Manager; only the worker may read it.
    webhook_signing_secret_arn: str | None = None
    email_sender: str = "noreply@example.com"  # a verified SES identity in AWS
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=900)
    # CIDRs the webhook SSRF guard lets through although private/loopback (tests, VPC peers).
    webhook_allowed_networks: CommaList = Field(default_factory=list)
    reports_bucket: str | None = None
    report_url_expiry_seconds: int = Field(default=3600, ge=1, le=604_800)
    # S3 multipart parts: at least 5 MiB except the last; memory per report is about one part.
    report_part_size_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    # Prefixes of the reports bucket that file_cleanup may delete under.
    file_cleanup_allowed_prefixes: CommaList = Field(default_factory=lambda: ["reports/", "tmp/"])

    _lists = field_validator(
        "webhook_allowed_networks", "file_cleanup_allowed_prefixes", mode="before"
    )(_split_list)


class MonitoringSettings(BaseModel):
    model_config = _CONFIG

    # Request metrics are flushed to the metrics table at most this often (seconds) or after
    # this many requests per execution environment.
    request_metrics_enabled: bool = True
    metrics_flush_interval_seconds: float = Field(default=60.0, ge=0)
    metrics_flush_max_requests: int = Field(default=100, ge=1)
    # When set, GET /monitoring/metrics/prometheus requires `Authorization: Bearer <token>`:
    # a Secrets Manager ARN when deployed; inline in dev/test.
    prometheus_scrape_token_secret_arn: str | None = None
    prometheus_scrape_token: str | None = Field(default=None, repr=False)
    event_retention_days: int = Field(default=30, ge=1)
    metric_retention_days: int = Field(default=30, ge=1)
    retention_batch_size: int = Field(default=5000, ge=1, le=100_000)


class LedgerSettings(BaseModel):
    """The debts ledger's reminders, push devices and clean-up."""

    model_config = _CONFIG

    # SNS platform applications (APNs, FCM) devices register under. Unset (the local stack):
    # devices get a local endpoint and pushes are only logged.
    push_apns_application_arn: str | None = None
    push_fcm_application_arn: str | None = None
    # Reminders one schedule run claims; the rest wait for the next run (5 minutes).
    reminders_batch_size: int = Field(default=500, ge=1, le=10_000)
    # How long a pushed change's result is replayed for its idempotency key.
    idempotency_retention_days: int = Field(default=7, ge=1)
    # Soft-deleted contacts are purged after this many days (their restore window).
    contact_purge_days: int = Field(default=30, ge=1)
    sent_reminder_retention_days: int = Field(default=90, ge=1)


class Settings(BaseModel):
    model_config = _CONFIG

    environment: Environment = "dev"
    service_name: str = Field(default="serverless-starter", alias="powertools_service_name")
    version: str = "0.1.0"

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    tasks: TaskSettings = Field(default_factory=TaskSettings)
    handlers: HandlerSettings = Field(default_factory=HandlerSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)

    @model_validator(mode="after")
    def _refuse_unsafe_outside_dev(self) -> Self:
        if self.environment in SAFE_ENVIRONMENTS:
            return self
        problems: list[str] = []
        origins = self.http.cors_allowed_origins
        if "*" in origins:
            problems.append("CORS_ALLOWED_ORIGINS must list origins, not '*'")
        if any(o.startswith("http://") for o in origins):
            problems.append("CORS_ALLOWED_ORIGINS must use https outside dev/test")
        secret = self.handlers.webhook_signing_secret
        weak_secret = secret == DEV_WEBHOOK_SECRET or len(secret) < 32
        if weak_secret and not self.handlers.webhook_signing_secret_arn:
            problems.append(
                "WEBHOOK_SIGNING_SECRET_ARN, or a random WEBHOOK_SIGNING_SECRET of 32+ chars,"
                " is required"
            )
        if not (self.database.database_url or self.database.database_secret_arn):
            problems.append("DATABASE_URL or DATABASE_SECRET_ARN is required")
        inline = {
            "INITIAL_ADMIN_PASSWORD": self.identity.initial_admin_password,
            "PROMETHEUS_SCRAPE_TOKEN": self.monitoring.prometheus_scrape_token,
        }
        problems += [
            f"{name} must not be set: give the secret's ARN in {name}_SECRET_ARN"
            for name, value in inline.items()
            if value
        ]
        if problems:
            raise ValueError(f"unsafe configuration for {self.environment}: " + "; ".join(problems))
        return self

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every group reads the same flat namespace: the variables, lower-cased."""
        values: dict[str, Any] = {k.lower(): v for k, v in _dotenv().items() if v is not None}
        values |= {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}
        groups = {
            name: values
            for name, field in cls.model_fields.items()
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        }
        return cls.model_validate(values | groups)


def _dotenv() -> Mapping[str, str | None]:
    if not Path(".env").is_file():  # the usual case, and always on Lambda
        return {}
    from dotenv import dotenv_values

    return dotenv_values(".env")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()
