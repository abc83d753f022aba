from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.ledger_jobs.reminders import run
from shared.observability import instrumented


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:  # noqa: ARG001
    return asdict(run())
