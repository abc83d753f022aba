from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import instrumented, logger
from shared.tasks.sweeper import sweep


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:  # noqa: ARG001
    report = sweep().as_dict()
    logger.info("sweep done", extra=report)
    return report
