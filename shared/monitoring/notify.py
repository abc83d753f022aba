"""What an alert transition asks to be told, and to whom.

Monitoring decides *that* a notification is due; how it is delivered (a task of the task engine)
is decided one layer up, in `shared.jobs.alerting`, so monitoring never imports the task engine.
The notification is handed over after the transition's transaction commits: a function that dies
in between loses this one notification (the transition, its event and incident are kept).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Notification:
    alert_id: UUID
    name: str
    query: str
    transition: str  # "firing" | "resolved"
    value: float | None
    threshold: float
    tick: datetime
    created_by: UUID | None
    email: str | None
    webhook_url: str | None

    @property
    def summary(self) -> str:
        return describe(self.name, self.transition, self.query, self.value)


Sender = Callable[[Notification], None]


def describe(name: str, transition: str, query: str, value: float | None) -> str:
    """The one sentence an alert transition is told in (event message, email body)."""
    return f"Alert '{name}' {transition}: {query} (value {value})"


def of_alert(
    alert: dict[str, Any], transition: str, value: float | None, tick: datetime
) -> Notification | None:
    """The rule's notification for this transition, or None when it has no target."""
    if not (alert["notify_email"] or alert["notify_webhook_url"]):
        return None
    return Notification(
        alert_id=alert["id"],
        name=alert["name"],
        query=alert["query"],
        transition=transition,
        value=value,
        threshold=alert["threshold_value"],
        tick=tick,
        created_by=alert["created_by"],
        email=alert["notify_email"],
        webhook_url=alert["notify_webhook_url"],
    )
