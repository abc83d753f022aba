"""MigrationFunction: the CloudFormation custom resource that applies migrations on deploy."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from functions.migrate.handler import handler
from shared import custom_resource, migrations
from tests.conftest import Configure
from tests.deploy.conftest import ResponseUrl, custom_resource_event
from tools.lambda_events import FakeLambdaContext

LATEST = migrations.latest_version()


def context(timeout_seconds: float = 300) -> FakeLambdaContext:
    return FakeLambdaContext(
        function_name="starter-MigrationFunction", timeout_seconds=timeout_seconds
    )


def applied_versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    return [row[0] for row in rows]


def test_create_applies_migrations_and_reports_success(
    empty_database_url: str, response_url: ResponseUrl
) -> None:
    event = custom_resource_event("Create", response_url.url)

    assert handler(event, context()) is None

    answer = response_url.only
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "DatabaseMigrations"
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        event["StackId"],
        event["RequestId"],
        "DatabaseMigrations",
    )
    assert answer["Data"]["SchemaVersion"] == str(LATEST)
    assert answer["Data"]["MigrationsApplied"].startswith("0001_foundation")
    # The pre-signed URL is signed without a content type.
    assert response_url.content_types == [""]
    assert applied_versions(empty_database_url) == [m.version for m in migrations.discover()]


def test_update_on_a_migrated_database_keeps_the_physical_id(
    database_url: str, response_url: ResponseUrl
) -> None:
    handler(
        custom_resource_event("Update", response_url.url, physical_id="DatabaseMigrations"),
        context(),
    )

    answer = response_url.only
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "DatabaseMigrations"
    assert answer["Data"]["SchemaVersion"] == str(LATEST)
    assert answer["Data"]["MigrationsApplied"] == ""


def test_unreachable_database_reports_failed_with_a_reason(
    unreachable_database: str, response_url: ResponseUrl
) -> None:
    handler(custom_resource_event("Create", response_url.url), context())

    answer = response_url.only
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("OperationalError: ")
    assert "log stream" in answer["Reason"]
    # CloudFormation sends the rollback's Delete with this id.
    assert answer["PhysicalResourceId"] == "DatabaseMigrations"


def test_an_edited_migration_fails_the_deploy(database_url: str, response_url: ResponseUrl) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")

    handler(
        custom_resource_event("Update", response_url.url, physical_id="DatabaseMigrations"),
        context(),
    )

    answer = response_url.only
    assert answer["Status"] == "FAILED"
    assert "0001_foundation was edited after it was applied" in answer["Reason"]


def test_unsafe_settings_fail_without_echoing_secrets(
    database_url: str, response_url: ResponseUrl, configure: Configure
) -> None:
    configure(ENVIRONMENT="prod", WEBHOOK_SIGNING_SECRET="short-secret-value")

    handler(custom_resource_event("Create", response_url.url), context())

    answer = response_url.only
    assert answer["Status"] == "FAILED"
    assert "WEBHOOK_SIGNING_SECRET of 32+ chars" in answer["Reason"]
    assert "short-secret-value" not in answer["Reason"]
    assert applied_versions(database_url) == [m.version for m in migrations.discover()]


@pytest.fixture
def lock_held_elsewhere(empty_database_url: str) -> Iterator[None]:
    """Another runner (a concurrent deploy) holds the migrations lock and never lets go."""
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (migrations.ADVISORY_LOCK_KEY,))
        yield


def test_running_out_of_time_reports_failed_instead_of_hanging(
    lock_held_elsewhere: None, response_url: ResponseUrl
) -> None:
    short = context(timeout_seconds=custom_resource.ANSWER_RESERVE_SECONDS + 1)

    handler(custom_resource_event("Create", response_url.url), short)

    answer = response_url.only
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("DeadlineExceeded: ")


@pytest.mark.parametrize("physical_id", [None, "DatabaseMigrations"])
def test_delete_succeeds_without_touching_the_database(
    unreachable_database: str, response_url: ResponseUrl, physical_id: str | None
) -> None:
    handler(custom_resource_event("Delete", response_url.url, physical_id=physical_id), context())

    answer = response_url.only
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "DatabaseMigrations"


def test_delete_leaves_schema_and_data_in_place(
    database_url: str, response_url: ResponseUrl
) -> None:
    before = applied_versions(database_url)

    handler(
        custom_resource_event("Delete", response_url.url, physical_id="DatabaseMigrations"),
        context(),
    )

    assert response_url.only["Status"] == "SUCCESS"
    assert applied_versions(database_url) == before


def test_direct_invocation_status_then_up(empty_database_url: str) -> None:
    names = [f"{m.version:04d}_{m.name}" for m in migrations.discover()]

    before = handler({"action": "status"}, context())
    assert before is not None and before["pending"] == names

    result = handler({"action": "up"}, context())
    assert result is not None
    assert (result["SchemaVersion"], result["MigrationsApplied"]) == (LATEST, names)

    after = handler({"action": "status"}, context())
    assert after is not None and after["pending"] == []
    assert all(m["applied"] and m["checksum_ok"] for m in after["migrations"])


def test_direct_invocation_rejects_an_unknown_action(empty_database_url: str) -> None:
    with pytest.raises(ValueError, match="unknown action 'drop'; expected one of: status, up"):
        handler({"action": "drop"}, context())
    assert applied_versions_or_none(empty_database_url) is None


def applied_versions_or_none(url: str) -> list[int] | None:
    try:
        return applied_versions(url)
    except psycopg.errors.UndefinedTable:
        return None
