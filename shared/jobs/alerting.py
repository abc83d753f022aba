"""The alert tick: monitoring evaluates the rules, the task engine delivers the notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.monitoring.evaluation import TickReport, evaluate_all
from shared.monitoring.notify import Notification
from shared.tasks import service as tasks
from shared.timestamps import format_timestamp

EMAIL_TASK = "email"
WEBHOOK_TASK = "webhook"


def run_tick(tick: datetime) -> TickReport:
    return evaluate_all(tick, send=submit_notification)


def submit_notification(notification: Notification) -> None:
    """One `email` or `webhook` task, high priority. Raises what the task engine raises."""
    metadata = {
        "alert_id": str(notification.alert_id),
        "transition": notification.transition,
        "tick": format_timestamp(notification.tick),
    }
    if notification.email:
        task_type = EMAIL_TASK
        payload: dict[str, Any] = {
            "to": notification.email,
            "subject": f"[{notification.transition.upper()}] {notification.name}",
            "body": notification.summary,
        }
    else:
        task_type = WEBHOOK_TASK
        payload = {
            "url": notification.webhook_url,
            "method": "POST",
            "payload": {
                **metadata,
                "name": notification.name,
                "query": notification.query,
                "value": notification.value,
                "threshold": notification.threshold,
            },
        }
    tasks.submit(
        task_type, payload, priority="high", metadata=metadata, created_by=notification.created_by
    )
