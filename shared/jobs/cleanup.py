"""The hourly cleanup (CleanupFunction, an EventBridge schedule). Each step is idempotent, so a
schedule delivered twice is harmless. A group with data to expire adds one entry to STEPS."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from shared.identity.sessions import purge_expired_sessions
from shared.identity.throttle import purge_expired_windows
from shared.monitoring.retention import purge_expired_events, purge_expired_metrics
from shared.monitoring.system_events import record_counts
from shared.observability import logger
from shared.tasks.service import purge_finished as purge_finished_tasks

STEPS: dict[str, Callable[[], int]] = {
    "sessions": purge_expired_sessions,
    "login_attempts": purge_expired_windows,
    "finished_tasks": purge_finished_tasks,
    "events": purge_expired_events,
    "metrics": purge_expired_metrics,
}


class CleanupFailed(RuntimeError):
    pass


def run(steps: Mapping[str, Callable[[], int]] = STEPS, name: str = "cleanup") -> dict[str, int]:
    """Rows removed per step, each count also reported as a metric (`<name>_<step>`). Every
    step runs even if one fails; then the failure is raised so the invocation is retried."""
    removed: dict[str, int] = {}
    failed: list[str] = []
    for step_name, step in steps.items():
        try:
            removed[step_name] = step()
        except Exception:
            logger.exception(f"{name} step failed", extra={"step": step_name})
            failed.append(step_name)
    record_counts({f"{name}_{step}_removed": count for step, count in removed.items()})
    logger.info(f"{name} done", extra={"removed": removed})
    if failed:
        raise CleanupFailed(f"{name} steps failed: {', '.join(failed)}")
    return removed
