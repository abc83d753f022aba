"""/api/v1/health: the public probes."""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from typing import Any, Literal

from fastapi import Response
from pydantic import BaseModel

from shared.errors import ServiceUnhealthy
from shared.health import service
from shared.http.envelope import Envelope, ok
from shared.http.routing import group_router
from shared.settings import get_settings
from shared.timestamps import Timestamp

router = group_router("/api/v1/health", "Health")


def unhealthy(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a probe: a 503 carries the same body as a 200, its status saying why."""
    return {503: {"model": Envelope[model], "description": "Unhealthy: the same body"}}  # type: ignore[valid-type]


class Documentation(BaseModel):
    openapi_json: str = "/api-docs/openapi.json"
    api_docs: str = "/api-docs"


class BasicHealth(BaseModel):
    status: Literal["healthy"]
    version: str
    uptime: float
    documentation: Documentation


class ComponentOut(BaseModel):
    status: Literal["healthy", "unhealthy"]
    message: str | None
    details: dict[str, Any] | None


class DetailedHealth(BaseModel):
    status: Literal["healthy", "unhealthy"]
    timestamp: Timestamp
    checks: dict[str, ComponentOut]


class Probe(BaseModel):
    status: str
    timestamp: Timestamp
    probe: str
    checks: dict[str, ComponentOut] | None = None


def _checks(report: service.Report) -> dict[str, ComponentOut]:
    return {
        name: ComponentOut(status=c.status, message=c.message, details=c.details)
        for name, c in report.checks.items()
    }


def detailed_envelope(report: service.Report, response: Response) -> Envelope[DetailedHealth]:
    """Shared with the admin group's /admin/health, which exposes error details."""
    response.status_code = 200 if report.healthy else 503
    status: Literal["healthy", "unhealthy"] = "healthy" if report.healthy else "unhealthy"
    return ok(DetailedHealth(status=status, timestamp=report.timestamp, checks=_checks(report)))


@router.get("", summary="Basic health: database and configuration")
async def health() -> Envelope[BasicHealth]:
    if not (service.database().healthy and service.application().healthy):
        raise ServiceUnhealthy()
    return ok(
        BasicHealth(
            status="healthy",
            version=get_settings().version,
            uptime=service.uptime_seconds(),
            documentation=Documentation(),
        )
    )


@router.get(
    "/detailed",
    summary="Component health (no error text: see /admin/health)",
    responses=unhealthy(DetailedHealth),
)
async def detailed(response: Response) -> Envelope[DetailedHealth]:
    return detailed_envelope(service.detailed(expose_errors=False), response)


@router.get("/live", summary="Liveness: the function answers")
async def live() -> Envelope[Probe]:
    return ok(Probe(status="alive", timestamp=service.Report({}).timestamp, probe="liveness"))


def _probe(
    report: service.Report, response: Response, up: str, down: str, probe: str
) -> Envelope[Probe]:
    response.status_code = 200 if report.healthy else 503
    return ok(
        Probe(
            status=up if report.healthy else down,
            timestamp=report.timestamp,
            probe=probe,
            checks=_checks(report),
        )
    )


@router.get("/ready", summary="Readiness: database and configuration", responses=unhealthy(Probe))
async def ready(response: Response) -> Envelope[Probe]:
    return _probe(service.readiness(), response, "ready", "not_ready", "readiness")


@router.get(
    "/startup",
    summary="Startup: database reachable and every migration applied",
    responses=unhealthy(Probe),
)
async def startup(response: Response) -> Envelope[Probe]:
    return _probe(service.startup(), response, "started", "starting", "startup")
