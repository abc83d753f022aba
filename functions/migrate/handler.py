"""Deploy-time database steps: a CloudFormation custom resource, or invoked directly with
{"action": "status"} (read-only) or {"action": "up"}."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import custom_resource
from shared.db import conninfo
from shared.jobs import deploy
from shared.observability import instrumented
from shared.settings import get_settings

ACTIONS = {"status": deploy.status, "up": deploy.apply}


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object] | None:
    if custom_resource.is_request(event):
        custom_resource.run(event, context, lambda: deploy.apply(conninfo(get_settings())))
        return None
    action = ACTIONS.get(str(event.get("action")))
    if action is None:
        expected = ", ".join(sorted(ACTIONS))
        raise ValueError(f"unknown action {event.get('action')!r}; expected one of: {expected}")
    return action(conninfo(get_settings()))
