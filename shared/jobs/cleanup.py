"""The hourly cleanup (CleanupFunction, an EventBridge schedule). Each step is idempotent, so a
schedule delivered twice is harmless. A group with data to expire adds one entry to STEPS."""

from __future__ import annotations

from collections.abc import Callable

from shared.identity.sessions import purge_expired_sessions
from shared.identity.throttle import purge_expired_windows
from shared.monitoring.retention import purge_expired_events, purge_expired_metrics
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


def run() -> dict[str, int]:
    """Rows removed per step. Every step runs even if one fails; then the failure is raised so
    the invocation is retried."""
    removed: dict[str, int] = {}
    failed: list[str] = []
    for name, step in STEPS.items():
        try:
            removed[name] = step()
        except Exception:
            logger.exception("cleanup step failed", extra={"step": name})
            failed.append(name)
    logger.info("cleanup done", extra={"removed": removed})
    if failed:
        raise CleanupFailed(f"cleanup steps failed: {', '.join(failed)}")
    return removed
