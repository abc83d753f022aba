"""Request and response models of /api/v1/monitoring (no FastAPI: services return them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from pydantic import BaseModel, Field, StrictFloat

from shared.field_rules import NOT_BLANK, JsonInt, rule, when_given
from shared.identity.principal import AuthUser
from shared.timestamps import IsoDatetime, Timestamp

EventType = Literal["log", "metric", "trace", "alert"]


MetricType = Literal["counter", "gauge", "histogram", "summary"]


Severity = Literal["low", "medium", "high", "critical"]


IncidentStatus = Literal["open", "investigating", "resolved", "closed"]


# Tag and label filters in a query string: `key1:value1,key2:value2` (shared/monitoring/tag_filter).
TAG_PAIR = r"\s*[\w.-]+\s*:[^,]*\S[^,]*"
TAG_FILTER = rf"^(\s*|{TAG_PAIR})(,(\s*|{TAG_PAIR}))*$"


class EventIn(BaseModel):
    # Free text to pydantic: the service checks it after the source rule, so a reserved source
    # is the error shown.
    event_type: str = rule(enum=list(get_args(EventType)))
    source: str = rule(max_length=200)
    message: str | None = rule(None, max_length=10_000)
    level: str | None = rule(None, max_length=20)
    tags: dict[str, Any] = rule(
        {}, max_properties=100, description="At most 100 keys, 64 KiB as compact JSON"
    )
    payload: dict[str, Any] = rule(
        {}, max_properties=100, description="At most 100 keys, 1 MiB as compact JSON"
    )
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
    name: str = Field(min_length=1, json_schema_extra={"maxLength": 100})
    metric_type: MetricType
    value: StrictFloat
    labels: dict[str, str] = rule(
        {}, max_properties=50, description="At most 50 labels, 64 KiB as compact JSON"
    )
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

    name: Annotated[
        str | None, when_given(type="string", minLength=1, maxLength=200, pattern=NOT_BLANK)
    ] = None
    description: str | None = rule(None, max_length=10_000)
    query: str | None = Field(default=None, examples=["metric:cpu_usage avg 5m > 80"])
    source: Literal["events", "metrics"] | None = None
    filters: dict[str, Any] | None = Field(
        default=None,
        description="events: event_type, source, level, tags{}; metrics: name, labels{}",
    )
    aggregation: Literal["count", "avg", "sum", "min", "max"] | None = None
    window_minutes: JsonInt | None = rule(None, minimum=1, maximum=1440)
    comparator: Literal[">", ">=", "<", "<=", "=="] | None = None
    threshold_value: StrictFloat | None = None
    for_minutes: JsonInt | None = rule(None, minimum=0, maximum=1440)
    notify_email: str | None = rule(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    notify_webhook_url: str | None = rule(
        None, max_length=2000, pattern=r"^[hH][tT][tT][pP][sS]?://"
    )
    auto_incident: AutoIncident | None = None


class AlertCreate(AlertFields):
    name: str = rule(min_length=1, max_length=200, pattern=NOT_BLANK)


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
    title: str = rule(min_length=1, max_length=500, pattern=NOT_BLANK)
    description: str | None = rule(None, max_length=10_000)
    severity: Severity
    assigned_to: UUID | None = None


class IncidentUpdate(BaseModel):
    """Only the fields given change; `title`, `severity` and `status` cannot be null."""

    title: Annotated[
        str | None, when_given(type="string", minLength=1, maxLength=500, pattern=NOT_BLANK)
    ] = None
    description: str | None = rule(None, max_length=10_000)
    severity: Annotated[
        Severity | None, when_given(type="string", enum=list(get_args(Severity)))
    ] = None
    status: Annotated[
        IncidentStatus | None, when_given(type="string", enum=list(get_args(IncidentStatus)))
    ] = None
    root_cause: str | None = rule(None, max_length=10_000)
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
