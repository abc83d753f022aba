"""/api/v1/monitoring: events, metrics, alert rules, incidents, stats, Prometheus export."""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Query
from fastapi.responses import PlainTextResponse

from shared.errors import Conflict, NotFound, Unauthorized
from shared.http.envelope import Envelope, ok
from shared.http.pagination import pagination
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity.dependencies import CurrentUser, ModeratorUser
from shared.monitoring import alerts, incidents, prometheus, service, tag_filter
from shared.monitoring.schemas import (
    TAG_FILTER,
    AlertCreate,
    AlertFields,
    AlertOut,
    EventIn,
    EventOut,
    EventType,
    IncidentIn,
    IncidentOut,
    IncidentUpdate,
    MetricIn,
    MetricOut,
    MetricType,
    Stats,
    Timeline,
)
from shared.paging import Page
from shared.timestamps import IsoDatetime

router = group_router("/api/v1/monitoring", "Monitoring")

ListPage = Annotated[Page, Depends(pagination(50, 1000))]
# An alert rule is a query in its grammar or structured fields that must fit together, and it
# notifies an email address or a webhook, not both.
ALERT_RULE_FIELDS = beyond_schema(
    "query", "threshold_value", "source", "comparator", "aggregation", "filters", "notify_email"
)
TagFilter = Annotated[
    str | None,
    Query(
        description="key1:value1,key2:value2 (AND); keys of letters, digits, _ - and .",
        json_schema_extra={"pattern": TAG_FILTER},
    ),
]


# ---- events ------------------------------------------------------------------------------


@router.post("/events", summary="Record an event (sources reserved for the system: admins only)")
async def create_event(body: EventIn, user: CurrentUser) -> Envelope[EventOut]:
    return ok(service.create_event(user, **body.model_dump()))


@router.get(
    "/events",
    summary="Query events (regular users: the ones they recorded)",
    openapi_extra=beyond_schema("tags"),
)
async def list_events(
    user: CurrentUser,
    page: ListPage,
    event_type: EventType | None = None,
    source: str | None = None,
    level: str | None = None,
    start_time: IsoDatetime | None = None,
    end_time: IsoDatetime | None = None,
    tags: TagFilter = None,
) -> Envelope[list[EventOut]]:
    return ok(
        service.list_events(
            user,
            page,
            event_type=event_type,
            source=source,
            level=level,
            start_time=start_time,
            end_time=end_time,
            tags=tag_filter.parse(tags),
        )
    )


@router.get("/events/{event_id}", summary="Get an event", responses=errors(NotFound))
async def get_event(event_id: UUID, user: CurrentUser) -> Envelope[EventOut]:
    return ok(service.get_event(user, event_id))


# ---- metrics -----------------------------------------------------------------------------


@router.get(
    "/metrics/prometheus",
    summary="Prometheus text exposition 0.0.4 (bearer PROMETHEUS_SCRAPE_TOKEN when set)",
    response_class=PlainTextResponse,
    responses=errors(Unauthorized),
)
async def prometheus_export(
    authorization: Annotated[str | None, Header()] = None,
) -> PlainTextResponse:
    prometheus.check_token(authorization)
    return PlainTextResponse(prometheus.render(), media_type=prometheus.CONTENT_TYPE)


@router.post("/metrics", summary="Submit a metric (names reserved for the system: admins only)")
async def create_metric(body: MetricIn, user: CurrentUser) -> Envelope[MetricOut]:
    return ok(service.create_metric(user, **body.model_dump()))


@router.get(
    "/metrics",
    summary="Query metrics (regular users: the ones they submitted)",
    openapi_extra=beyond_schema("labels"),
)
async def list_metrics(
    user: CurrentUser,
    page: ListPage,
    name: str | None = None,
    metric_type: MetricType | None = None,
    start_time: IsoDatetime | None = None,
    end_time: IsoDatetime | None = None,
    labels: TagFilter = None,
) -> Envelope[list[MetricOut]]:
    return ok(
        service.list_metrics(
            user,
            page,
            name=name,
            metric_type=metric_type,
            start_time=start_time,
            end_time=end_time,
            labels=tag_filter.parse(labels, "labels"),
        )
    )


# ---- alert rules -------------------------------------------------------------------------


@router.get("/alerts", summary="List alert rules")
async def list_alerts(user: CurrentUser, page: ListPage) -> Envelope[list[AlertOut]]:
    return ok([a.seen_by(user) for a in alerts.list_alerts(page)])


@router.post(
    "/alerts", summary="Create an alert rule (moderator+)", openapi_extra=ALERT_RULE_FIELDS
)
async def create_alert(body: AlertCreate, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(alerts.create(user, body.model_dump(exclude_unset=True)).seen_by(user))


@router.get("/alerts/{alert_id}", summary="Get an alert rule", responses=errors(NotFound))
async def get_alert(alert_id: UUID, user: CurrentUser) -> Envelope[AlertOut]:
    return ok(alerts.get(alert_id).seen_by(user))


@router.put(
    "/alerts/{alert_id}",
    summary="Update an alert rule (moderator+; null clears)",
    responses=errors(NotFound),
    openapi_extra=ALERT_RULE_FIELDS,
)
async def update_alert(
    alert_id: UUID, body: AlertFields, user: ModeratorUser
) -> Envelope[AlertOut]:
    return ok(alerts.update(alert_id, body.model_dump(exclude_unset=True)).seen_by(user))


@router.delete(
    "/alerts/{alert_id}", summary="Delete an alert rule (moderator+)", responses=errors(NotFound)
)
async def delete_alert(alert_id: UUID, _: ModeratorUser) -> Envelope[None]:
    alerts.delete(alert_id)
    return ok(None, "Alert deleted")


@router.post(
    "/alerts/{alert_id}/silence",
    summary="Silence: evaluated, never notifies",
    responses=errors(NotFound),
)
async def silence_alert(alert_id: UUID, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(alerts.set_silenced(alert_id, True).seen_by(user))


@router.post(
    "/alerts/{alert_id}/unsilence", summary="Unsilence an alert rule", responses=errors(NotFound)
)
async def unsilence_alert(alert_id: UUID, user: ModeratorUser) -> Envelope[AlertOut]:
    return ok(alerts.set_silenced(alert_id, False).seen_by(user))


# ---- incidents ---------------------------------------------------------------------------


@router.post(
    "/incidents",
    summary="Open an incident (assigning needs moderator+)",
    openapi_extra=beyond_schema("assigned_to"),
)
async def create_incident(body: IncidentIn, user: CurrentUser) -> Envelope[IncidentOut]:
    return ok(incidents.create(user, **body.model_dump()))


@router.get("/incidents", summary="List incidents (regular users: created or assigned)")
async def list_incidents(user: CurrentUser, page: ListPage) -> Envelope[list[IncidentOut]]:
    return ok(incidents.list_incidents(user, page))


@router.get("/incidents/{incident_id}", summary="Get an incident", responses=errors(NotFound))
async def get_incident(incident_id: UUID, user: CurrentUser) -> Envelope[IncidentOut]:
    return ok(incidents.get(user, incident_id))


@router.put(
    "/incidents/{incident_id}",
    summary="Update an incident (creator or moderator+)",
    responses=errors(NotFound, Conflict),
    openapi_extra=beyond_schema("assigned_to"),
)
async def update_incident(
    incident_id: UUID, body: IncidentUpdate, user: CurrentUser
) -> Envelope[IncidentOut]:
    return ok(incidents.update(user, incident_id, body.model_dump(exclude_unset=True)))


@router.get(
    "/incidents/{incident_id}/timeline",
    summary="Events around an incident",
    responses=errors(NotFound),
    openapi_extra=beyond_schema("tags"),
)
async def incident_timeline(
    incident_id: UUID,
    user: CurrentUser,
    page: Annotated[Page, Depends(pagination(100, 1000))],
    lookback_hours: Annotated[int, Query(ge=0, le=720)] = 1,
    source: str | None = None,
    tags: TagFilter = None,
) -> Envelope[Timeline]:
    return ok(
        incidents.timeline(
            user,
            incident_id,
            page,
            lookback_hours=lookback_hours,
            source=source,
            tags=tag_filter.parse(tags),
        )
    )


# ---- stats -------------------------------------------------------------------------------


@router.get("/stats", summary="Monitoring counters (moderator+)")
async def stats(_: ModeratorUser) -> Envelope[Stats]:
    return ok(service.stats())
