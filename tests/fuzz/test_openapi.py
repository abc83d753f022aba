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
a public address...). An operation lists those fields in `x-checked-beyond-schema`
(`beyond_schema()` in shared/http/routing.py): a request that fits the schema may be refused with
400 for those fields only, and for nothing else.

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
from shared.http.routing import BEYOND_SCHEMA_KEY
from shared.identity.principal import Role
from shared.tasks import service as tasks
from tests.conftest import Configure
from tests.tasks.conftest import TEST_SETTINGS
from tests.tasks.sqs import Queues
from tests.users import create_user

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

app = create_app(*catalog.routers(), docs_router, title=catalog.TITLE)
schema = schemathesis.openapi.from_asgi("/api-docs/openapi.json", app)
# The admin's token is sent with every call (below), so schemathesis must not generate the
# Authorization header itself: a negative case that drops it would be restored by the call and
# reach the API as a valid request.
schema.config.generation.update(allow_x00=False, codec="ascii", with_security_parameters=False)


@pytest.fixture
def admin_token(database_url: str, queues: Queues, configure: Configure) -> Iterator[str]:
    configure(**TEST_SETTINGS)
    tasks.sync_task_types(database_url)
    _, token = create_user(Role.ADMIN)
    yield token


# Every timestamp: its UTC time must fall in years 1-9999 (docs/api.md), which `format:
# date-time` cannot say (0001-01-01T00:00:00+03:00 fits the format).
TIMESTAMP_RANGE = "must fall between years 1 and 9999 in UTC"


def _refused_for_a_semantic_rule(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    if response.status_code not in (400, 422):
        return False
    message = str(response.json()["error"]["message"])
    if TIMESTAMP_RANGE in message:
        return True
    fields = set(case.operation.definition.raw.get(BEYOND_SCHEMA_KEY, []))
    return response.status_code == 400 and any(
        message.startswith(tuple(f"Validation failed for {field}{end}" for end in ":.["))
        for field in fields
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,  # a fixed seed: nothing to remember between runs, no .hypothesis/ left behind
    suppress_health_check=list(HealthCheck),
)
def test_api(case: schemathesis.Case, admin_token: str) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    response = case.call(headers=headers)
    excluded = [positive_data_acceptance] if _refused_for_a_semantic_rule(case, response) else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)
