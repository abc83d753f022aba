"""The one notification call: an alert transition becomes an email or webhook task.

Submitted after the transition's transaction commits: the task engine sends to SQS as part of
`submit`, which must not happen before the task row is visible to the worker. The cost: if the
function dies between that commit and the submit, this one notification is lost (the transition,
its event and incident are kept). A transactional enqueue in the task engine would close the gap.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.http.envelope import format_timestamp

EMAIL_TASK = "email"
WEBHOOK_TASK = "webhook"


def describe(alert: dict[str, Any], transition: str, value: float | None) -> str:
    return f"Alert '{alert['name']}' {transition}: {alert['query']} (value {value})"


def notify(alert: dict[str, Any], transition: str, value: float | None, tick: datetime) -> None:
    """Enqueue the rule's notification, if it has one. Raises what the task engine raises."""
    from shared.tasks import service as tasks  # only a transition pays for the task engine

    metadata = {
        "alert_id": str(alert["id"]),
        "transition": transition,
        "tick": format_timestamp(tick),
    }
    if alert["notify_email"]:
        payload: dict[str, Any] = {
            "to": alert["notify_email"],
            "subject": f"[{transition.upper()}] {alert['name']}",
            "body": describe(alert, transition, value),
        }
        task_type = EMAIL_TASK
    elif alert["notify_webhook_url"]:
        payload = {
            "url": alert["notify_webhook_url"],
            "method": "POST",
            "payload": {
                **metadata,
                "name": alert["name"],
                "query": alert["query"],
                "value": value,
                "threshold": alert["threshold_value"],
            },
        }
        task_type = WEBHOOK_TASK
    else:
        return
    tasks.submit(
        task_type, payload, priority="high", metadata=metadata, created_by=alert["created_by"]
    )
