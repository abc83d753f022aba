"""Prometheus text exposition format 0.0.4.

Names and label names are mapped into the Prometheus charset, label values escaped, labels sorted,
and each series (sanitised name + label set) carries one sample: its latest within 24 hours, read
from `metric_series`, which a trigger on `metrics` keeps current.
Samples have no timestamp: Prometheus refuses samples older than its head block, and each series is
already its latest value. histogram/summary rows are single observations, not bucketed series,
so they are exported as `untyped`.
"""

from __future__ import annotations

import hmac
import re
from itertools import groupby
from typing import Any

from shared import db, secrets
from shared.errors import Unauthorized
from shared.monitoring import service
from shared.settings import get_settings

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_ROWS = 10_000
SYSTEM_SERIES: tuple[tuple[str, str, str, str], ...] = (
    ("monitoring_total_events", "counter", "total_events", "Total number of events"),
    ("monitoring_total_metrics", "counter", "total_metrics", "Total number of metrics"),
    ("monitoring_active_alerts", "gauge", "active_alerts", "Number of active alert rules"),
    ("monitoring_open_incidents", "gauge", "open_incidents", "Number of open incidents"),
    ("monitoring_events_last_hour", "gauge", "events_last_hour", "Events in the last hour"),
    ("monitoring_metrics_last_hour", "gauge", "metrics_last_hour", "Metrics in the last hour"),
)
_TYPES = {"counter": "counter", "gauge": "gauge", "histogram": "untyped", "summary": "untyped"}
_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_:]")
_LABEL_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def check_token(authorization: str | None) -> None:
    """When a scrape token is configured (PROMETHEUS_SCRAPE_TOKEN_SECRET_ARN, or
    PROMETHEUS_SCRAPE_TOKEN in dev/test), the scraper must send it as a bearer token."""
    monitoring = get_settings().monitoring
    expected = secrets.inline_or_secret(
        monitoring.prometheus_scrape_token, monitoring.prometheus_scrape_token_secret_arn
    )
    if not expected:
        return
    header = authorization or ""
    if not header.startswith("Bearer ") or not hmac.compare_digest(
        header.removeprefix("Bearer ").encode(), expected.encode()
    ):
        raise Unauthorized()


def metric_name(raw: str) -> str:
    name = _NAME_INVALID.sub("_", raw)
    return name if name and not name[0].isdigit() else f"_{name}"


def label_name(raw: str) -> str:
    # A leading "__" is reserved for Prometheus' internal labels.
    name = _LABEL_INVALID.sub("_", raw)
    name = name if name and not name[0].isdigit() else f"_{name}"
    return "_" + name.lstrip("_") if name.startswith("__") else name


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _label_value(value: Any) -> str | None:
    """Strings as they are, numbers and booleans as text; arrays, objects and null dropped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return format_value(float(value))
    return None


def format_value(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _labels(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    labels: dict[str, str] = {}
    for key in sorted(raw):
        value = _label_value(raw[key])
        name = label_name(key)
        if value is not None and name not in labels:  # first of colliding names wins
            labels[name] = value
    return tuple(sorted(labels.items()))


def _series(text: str, labels: tuple[tuple[str, str], ...], value: float) -> str:
    if not labels:
        return f"{text} {format_value(value)}"
    body = ",".join(f'{k}="{escape(v)}"' for k, v in labels)
    return f"{text}{{{body}}} {format_value(value)}"


def render() -> str:
    stats = service.stats().model_dump()
    lines: list[str] = []
    for name, kind, key, help_text in SYSTEM_SERIES:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {stats[key]}", ""]
    reserved = {name for name, *_ in SYSTEM_SERIES}
    rows = (
        db.connection()
        .execute(
            "SELECT name, metric_type, value, labels, recorded_at FROM metric_series"
            " WHERE recorded_at >= NOW() - interval '24 hours'"
            " ORDER BY name, labels_key LIMIT %s",
            (MAX_ROWS,),
        )
        .fetchall()
    )
    # family -> (type, latest time), series -> (value, time); the latest sample wins collisions.
    families: dict[str, tuple[str, Any]] = {}
    series: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[float, Any]] = {}
    for row in rows:
        name = metric_name(row["name"])
        if name in reserved:
            continue
        at = row["recorded_at"]
        if name not in families or families[name][1] < at:
            families[name] = (_TYPES[row["metric_type"]], at)
        series_key = (name, _labels(row["labels"]))
        if series_key not in series or series[series_key][1] < at:
            series[series_key] = (row["value"], at)
    for family, members in groupby(sorted(series.items()), key=lambda item: item[0][0]):
        kind = families[family][0]
        lines += [f"# HELP {family} User-submitted metric", f"# TYPE {family} {kind}"]
        lines += [_series(family, labels, value) for (_, labels), (value, _) in members]
        lines.append("")
    return "\n".join(lines) + "\n"
