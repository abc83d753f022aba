"""/api/v1/monitoring: events, metrics, alert rules, incidents, stats, Prometheus export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Header, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from shared.http.envelope import Envelope, ok
from shared.http.pagination import pagination
from shared.http.routing import group_router
from shared.identity.dependencies import CurrentUser, ModeratorUser
from shared.identity.principal import AuthUser
from shared.monitoring import alerts, incidents, prometheus, service, tag_filter
from shared.paging import Page
from shared.timestamps import Timestamp

router = group_router("/api/v1/monitoring", "Monitoring")

EventType = Literal["log", "metric", "trace", "alert"]
MetricType = Literal["counter", "gauge", "histogram", "summary"]
Severity = Literal["low", "medium", "high", "critical"]
IncidentStatus = Literal["open", "investigating", "resolved", "closed"]
ListPage = Annotated[Page, Depends(pagination(50, 1000))]


# ---- events ------------------------------------------------------------------------------


class EventIn(BaseModel):
    event_type: str  # free text: checked after the source rule, so a bad source is the error shown
    source: str
    message: str | None = None
    level: str | None = None
    tags: dict[str, Any] = Field(default_factory=dict)
    payload: dict[str, Any] = Field(default_factory=dict)
    recorded_at: datetime | None = None


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


@router.post("/events", summary="Record an event (regular users: own sources only)")
def create_event(body: EventIn, user: CurrentUser) -> Envelope[EventOut]:
    row = service.create_event(user, **body.model_dump())
    return ok(EventOut.model_validate(row))


@router.get("/events", summary="Query events (regular users: own sources only)")
def list_events(
    user: CurrentUser,
    page: ListPage,
    event_type: EventType | None = None,
    source: str | None = None,
    level: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    tags: Annotated[str | None, Query(description="key1:value1,key2:value2 (AND)")] = None,
) -> Envelope[list[EventOut]]:
    rows = service.list_events(
        user,
        page,
        event_type=event_type,
        source=source,
        level=level,
        start_time=start_time,
        end_time=end_time,
        tags=tag_filter.parse(tags),
    )
    return ok([EventOut.model_validate(r) for r in rows])


@router.get("/events/{event_id}", summary="Get an event")
def get_event(event_id: UUID, user: CurrentUser) -> Envelope[EventOut]:
    return ok(EventOut.model_validate(service.get_event(user, event_id)))


# ---- metrics -----------------------------------------------------------------------------


class MetricIn(BaseModel):
    name: str
    metric_type: MetricType
    value: float
    labels: dict[str, str] = Field(default_factory=dict)
    recorded_at: datetime | None = None


class MetricOut(BaseModel):
    id: UUID
    name: str
    metric_type: str
    value: float
    labels: dict[str, Any]
    recorded_at: Timestamp
    created_at: Timestamp


@router.get(
    "/metrics/prometheus",
    summary="Prometheus text exposition 0.0.4 (bearer PROMETHEUS_SCRAPE_TOKEN when set)",
    response_class=PlainTextResponse,
)
def prometheus_export(
    authorization: Annotated[str | None, Header()] = None,
) -> PlainTextResponse:
    prometheus.check_token(authorization)
    return PlainTextResponse(prometheus.render(), media_type=prometheus.CONTENT_TYPE)


@router.post("/metrics", summary="Submit a metric (regular users: own names only)")
def create_metric(body: MetricIn, user: CurrentUser) -> Envelope[MetricOut]:
    row = service.create_metric(user, **body.model_dump())
    return ok(MetricOut.model_validate(row))


@router.get("/metrics", summary="Query metrics (regular users: own names only)")
def list_metrics(
    user: CurrentUser,
    page: ListPage,
    name: str | None = None,
    metric_type: MetricType | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    labels: Annotated[str | None, Query(description="key1:value1,key2:value2 (AND)")] = None,
) -> Envelope[list[MetricOut]]:
    rows = service.list_metrics(
        user,
        page,
        name=name,
        metric_type=metric_type,
        start_time=start_time,
        end_time=end_time,
        labels=tag_filter.parse(labels, "labels"),
    )
    return ok([MetricOut.model_validate(r) for r in rows])


# ---- alert rules -------------------------------------------------------------------------


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


def _alert(row: dict[str, Any], viewer: AuthUser) -> AlertOut:
    severity = row["auto_incident_severity"]
    # Notification targets can embed secrets (webhook tokens): moderators and up only.
    private = not viewer.is_moderator
    return AlertOut.model_validate(
        {
            **row,
            "source": row["rule_source"],
            "auto_incident": {"severity": severity} if severity else None,
            "notify_email": None if private else row["notify_email"],
            "notify_webhook_url": None if private else row["notify_webhook_url"],
        }
    )


@router.get("/alerts", summary="List alert rules")
def list_alerts(user: CurrentUser, page: ListPage) -> Envelope[list[AlertOut]]:
    return ok([_alert(r, user) for r in alerts.list_alerts(page)])


@router.post("/alerts", summary="Create an alert rule (moderator+)")
def create_alert(body: AlertCreate, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(_alert(alerts.create(user, body.model_dump(exclude_unset=True)), user))


@router.get("/alerts/{alert_id}", summary="Get an alert rule")
def get_alert(alert_id: UUID, user: CurrentUser) -> Envelope[AlertOut]:
    return ok(_alert(alerts.get(alert_id), user))


@router.put("/alerts/{alert_id}", summary="Update an alert rule (moderator+; null clears)")
def update_alert(alert_id: UUID, body: AlertFields, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(_alert(alerts.update(alert_id, body.model_dump(exclude_unset=True)), user))


@router.delete("/alerts/{alert_id}", summary="Delete an alert rule (moderator+)")
def delete_alert(alert_id: UUID, _: ModeratorUser) -> Envelope[None]:
    alerts.delete(alert_id)
    return ok(None, "Alert deleted")


@router.post("/alerts/{alert_id}/silence", summary="Silence: evaluated, never notifies")
def silence_alert(alert_id: UUID, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(_alert(alerts.set_silenced(alert_id, True), user))


@router.post("/alerts/{alert_id}/unsilence", summary="Unsilence an alert rule")
def unsilence_alert(alert_id: UUID, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(_alert(alerts.set_silenced(alert_id, False), user))


# ---- incidents ---------------------------------------------------------------------------


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


@router.post("/incidents", summary="Open an incident (assigning needs moderator+)")
def create_incident(body: IncidentIn, user: CurrentUser) -> Envelope[IncidentOut]:
    row = incidents.create(user, **body.model_dump())
    return ok(IncidentOut.model_validate(row))


@router.get("/incidents", summary="List incidents (regular users: created or assigned)")
def list_incidents(user: CurrentUser, page: ListPage) -> Envelope[list[IncidentOut]]:
    return ok([IncidentOut.model_validate(r) for r in incidents.list_incidents(user, page)])


@router.get("/incidents/{incident_id}", summary="Get an incident")
def get_incident(incident_id: UUID, user: CurrentUser) -> Envelope[IncidentOut]:
    return ok(IncidentOut.model_validate(incidents.get(user, incident_id)))


@router.put("/incidents/{incident_id}", summary="Update an incident (creator or moderator+)")
def update_incident(
    incident_id: UUID, body: IncidentUpdate, user: CurrentUser
) -> Envelope[IncidentOut]:
    row = incidents.update(user, incident_id, body.model_dump(exclude_unset=True))
    return ok(IncidentOut.model_validate(row))


@router.get("/incidents/{incident_id}/timeline", summary="Events around an incident")
def incident_timeline(
    incident_id: UUID,
    user: CurrentUser,
    page: Annotated[Page, Depends(pagination(100, 1000))],
    lookback_hours: Annotated[int, Query(ge=0, le=720)] = 1,
    source: str | None = None,
    tags: Annotated[str | None, Query(description="key1:value1,key2:value2 (AND)")] = None,
) -> Envelope[Timeline]:
    data = incidents.timeline(
        user,
        incident_id,
        page,
        lookback_hours=lookback_hours,
        source=source,
        tags=tag_filter.parse(tags),
    )
    return ok(Timeline.model_validate(data))


# ---- stats -------------------------------------------------------------------------------


class Stats(BaseModel):
    total_events: int
    total_metrics: int
    active_alerts: int
    open_incidents: int
    events_last_hour: int
    metrics_last_hour: int
    firing_alerts: int


@router.get("/stats", summary="Monitoring counters (moderator+)")
def stats(_: ModeratorUser) -> Envelope[Stats]:
    return ok(Stats.model_validate(service.stats()))
