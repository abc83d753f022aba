"""Property-based testing of the whole API against its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, as an admin, against one app that
mounts every group's router (the same routers each Lambda serves) on a fresh migrated database.
Every check is on: no 5xx, only documented statuses, content types and response bodies that fit
the schema, invalid input refused, valid input accepted, 405s with the right `Allow`.

Two rules of the API the generator is told about:
- strings never hold NUL (the input guard refuses it everywhere, see docs/api.md), and
- lengths are counted in UTF-8 bytes, which JSON Schema cannot state; generating ASCII keeps
  bytes and characters equal.

Some rules are not expressible in JSON Schema (a password's character classes, a reserved
username, an email's grammar in full, a time in the future, a webhook host that must resolve to
a public address...). `SEMANTIC_RULES` lists them per operation: a valid-by-schema request may be
refused with 400 for those fields only, and for nothing else.

Longer run for a release: FUZZ_EXAMPLES=500 make fuzz.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from shared.app.factory import create_app
from shared.docs import catalog
from shared.docs.routes import router as docs_router
from shared.identity.principal import Role
from shared.tasks import service as tasks
from tests.conftest import Configure
from tests.tasks.conftest import TEST_SETTINGS
from tests.tasks.sqs import Queues
from tests.users import create_user

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

# A rule is a query in its grammar or structured fields that must fit together.
ALERT_RULE = {
    "query",
    "threshold_value",
    "source",
    "comparator",
    "aggregation",
    "filters",
    "notify_email",  # an email or a webhook, not both
}
SEMANTIC_RULES: dict[str, set[str]] = {
    "POST /api/v1/auth/register": {"username", "email", "password"},
    "POST /api/v1/auth/login": {"login", "username", "email"},
    "POST /api/v1/auth/api-keys": {"expires_at", "api_keys"},
    "PUT /api/v1/users/me/profile": {"username", "email"},
    "PUT /api/v1/users/me/password": {"new_password"},
    "DELETE /api/v1/users/me": {"password"},
    "POST /api/v1/tasks": {"task_type", "payload", "request", "retry_strategy"},
    "GET /api/v1/monitoring/events": {"tags"},
    "GET /api/v1/monitoring/metrics": {"labels"},
    "GET /api/v1/monitoring/incidents/{incident_id}/timeline": {"tags"},
    "POST /api/v1/monitoring/alerts": ALERT_RULE,
    "PUT /api/v1/monitoring/alerts/{alert_id}": ALERT_RULE,
    "POST /api/v1/monitoring/incidents": {"assigned_to"},
    "PUT /api/v1/monitoring/incidents/{incident_id}": {"assigned_to"},
    "POST /api/v1/users": {"username", "email", "password"},
    "PUT /api/v1/users/{user_id}/profile": {"username", "email"},
    "POST /api/v1/users/{user_id}/reset-password": {"new_password"},
}

app = create_app(*catalog.routers(), docs_router, title=catalog.TITLE)
schema = schemathesis.openapi.from_asgi("/api-docs/openapi.json", app)
schema.config.generation.update(allow_x00=False, codec="ascii")


@pytest.fixture
def admin_token(database_url: str, queues: Queues, configure: Configure) -> Iterator[str]:
    configure(**TEST_SETTINGS)
    tasks.sync_task_types(database_url)
    _, token = create_user(Role.ADMIN)
    yield token


def _refused_for_a_semantic_rule(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    fields = SEMANTIC_RULES.get(f"{case.method.upper()} {case.path}", set())
    if response.status_code != 400 or not fields:
        return False
    message = str(response.json()["error"]["message"])
    return any(
        message.startswith((f"Validation failed for {field}:", f"Validation failed for {field}."))
        for field in fields
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api(case: schemathesis.Case, admin_token: str) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    response = case.call(headers=headers)
    excluded = [positive_data_acceptance] if _refused_for_a_semantic_rule(case, response) else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)
