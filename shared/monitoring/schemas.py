"""Request and response models of /api/v1/monitoring (no FastAPI: services return them)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.identity.principal import AuthUser
from shared.timestamps import IsoDatetime, Timestamp

EventType = Literal["log", "metric", "trace", "alert"]


MetricType = Literal["counter", "gauge", "histogram", "summary"]


Severity = Literal["low", "medium", "high", "critical"]


IncidentStatus = Literal["open", "investigating", "resolved", "closed"]


class EventIn(BaseModel):
    event_type: str  # free text: checked after the source rule, so a bad source is the error shown
    source: str
    message: str | None = None
    level: str | None = None
    tags: dict[str, Any] = Field(default_factory=dict)
    payload: dict[str, Any] = Field(default_factory=dict)
    recorded_at: IsoDatetime | None = None


class EventOut(BaseModel):
    id: UUID
    event_type: str
    source: str
    message: str | None
    level: str | None
    tags: dict[str, Any]
    payload: dict[str, Any]
    recorded_at: Timestamp
    created_at: Timestamp


class MetricIn(BaseModel):
    name: str = Field(min_length=1)
    metric_type: MetricType
    value: float
    labels: dict[str, str] = Field(default_factory=dict)
    recorded_at: IsoDatetime | None = None


class MetricOut(BaseModel):
    id: UUID
    name: str
    metric_type: str
    value: float
    labels: dict[str, Any]
    recorded_at: Timestamp
    created_at: Timestamp


class AutoIncident(BaseModel):
    severity: Severity


class AlertFields(BaseModel):
    """A rule is either `query` (the documented grammar) or the structured fields."""

    name: str | None = None
    description: str | None = None
    query: str | None = Field(default=None, examples=["metric:cpu_usage avg 5m > 80"])
    source: Literal["events", "metrics"] | None = None
    filters: dict[str, Any] | None = Field(
        default=None,
        description="events: event_type, source, level, tags{}; metrics: name, labels{}",
    )
    aggregation: Literal["count", "avg", "sum", "min", "max"] | None = None
    window_minutes: int | None = None
    comparator: Literal[">", ">=", "<", "<=", "=="] | None = None
    threshold_value: float | None = None
    for_minutes: int | None = None
    notify_email: str | None = None
    notify_webhook_url: str | None = None
    auto_incident: AutoIncident | None = None


class AlertCreate(AlertFields):
    name: str


class AlertOut(BaseModel):
    id: UUID
    name: str
    description: str | None
    query: str
    threshold_value: float
    status: str
    triggered_at: Timestamp | None
    resolved_at: Timestamp | None
    created_by: UUID | None
    created_at: Timestamp
    updated_at: Timestamp
    source: str
    filters: dict[str, Any]
    aggregation: str
    window_minutes: int
    comparator: str
    for_minutes: int
    notify_email: str | None
    notify_webhook_url: str | None
    auto_incident: AutoIncident | None
    state: str
    last_value: float | None
    last_evaluated_at: Timestamp | None
    last_error: str | None

    def seen_by(self, viewer: AuthUser) -> AlertOut:
        """Notification targets can embed secrets (webhook tokens): moderators and up only."""
        if viewer.is_moderator:
            return self
        return self.model_copy(update={"notify_email": None, "notify_webhook_url": None})


class IncidentIn(BaseModel):
    title: str
    description: str | None = None
    severity: Severity
    assigned_to: UUID | None = None


class IncidentUpdate(BaseModel):
    title: str | None = None
    description: str | None = None
    severity: Severity | None = None
    status: IncidentStatus | None = None
    root_cause: str | None = None
    assigned_to: UUID | None = None


class IncidentOut(BaseModel):
    id: UUID
    title: str
    description: str | None
    severity: str
    status: str
    started_at: Timestamp
    resolved_at: Timestamp | None
    root_cause: str | None
    created_by: UUID | None
    assigned_to: UUID | None
    alert_id: UUID | None
    created_at: Timestamp
    updated_at: Timestamp


class TimelineEntry(BaseModel):
    id: UUID
    recorded_at: Timestamp
    event_type: str
    source: str
    message: str
    level: str | None
    tags: dict[str, Any]


class Timeline(BaseModel):
    incident_id: UUID
    start_time: Timestamp
    end_time: Timestamp | None
    entries: list[TimelineEntry]
    total_count: int


class Stats(BaseModel):
    total_events: int
    total_metrics: int
    active_alerts: int
    open_incidents: int
    events_last_hour: int
    metrics_last_hour: int
    firing_alerts: int
