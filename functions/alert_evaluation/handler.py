from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.jobs.alerting import run_tick
from shared.monitoring.evaluation import tick_of
from shared.observability import instrumented, logger


@instrumented
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:  # noqa: ARG001
    report = run_tick(tick_of(event)).as_dict()
    logger.info("alert evaluation done", extra=report)
    return report
