"""Alert rules are structured data, never SQL. This module validates a rule and converts it
to and from the small text grammar the legacy `query` field is accepted in:

    query       := target [aggregation] [window] comparator threshold
    target      := "metric:" NAME ["{" LABEL "=" VALUE ("," LABEL "=" VALUE)* "}"]
                 | "events" [":" FILTER ("," FILTER)*]
    FILTER      := ("type" | "source" | "level") "=" VALUE  |  "tag." KEY "=" VALUE
    aggregation := count | avg | sum | min | max    (default: count for events, avg for metrics)
    window      := INTEGER ("m" | "h")              (default: 5m)
    comparator  := > | >= | < | <= | ==

Examples: `metric:cpu_usage avg 5m > 80`, `events:level=error,source=api-gateway count 10m >= 5`.
Anything else is a 400.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationFailed

SOURCES = ("events", "metrics")
AGGREGATIONS = ("count", "avg", "sum", "min", "max")
COMPARATORS = (">", ">=", "<", "<=", "==")
EVENT_TYPES = ("log", "metric", "trace", "alert")
MAX_WINDOW_MINUTES = 1440
DEFAULT_WINDOW_MINUTES = 5

_QUERY = re.compile(
    r"^\s*(?P<target>metric:[^\s{}]+(?:\{[^\s}]*\})?|events(?::\S+)?)"
    r"(?:\s+(?P<aggregation>count|avg|sum|min|max))?"
    r"(?:\s+(?P<window>\d{1,5})(?P<unit>[mh]))?"
    r"\s*(?P<comparator>>=|<=|==|>|<)\s*"
    r"(?P<threshold>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
_VALUE = re.compile(r"^[^\s,={}]+$")
_EVENT_FILTER_KEYS = {"type": "event_type", "source": "source", "level": "level"}


@dataclass(frozen=True)
class Rule:
    source: str
    filters: dict[str, Any]
    aggregation: str
    window_minutes: int
    comparator: str
    threshold: float
    for_minutes: int = 0

    def holds(self, value: float | None) -> bool:
        """No data (an empty avg/min/max/sum) never fires."""
        if value is None:
            return False
        match self.comparator:
            case ">":
                return value > self.threshold
            case ">=":
                return value >= self.threshold
            case "<":
                return value < self.threshold
            case "<=":
                return value <= self.threshold
            case _:
                return value == self.threshold


def _string_map(value: Any, field_name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()
    ):
        raise ValidationFailed(field_name, "must be an object of non-empty strings")
    return dict(value)


def normalise_filters(source: str, filters: Any) -> dict[str, Any]:
    """The filters a rule over `source` may use, checked and stripped of empty values."""
    if not isinstance(filters, dict):
        raise ValidationFailed("filters", "must be an object")
    allowed = (
        ("event_type", "source", "level", "tags") if source == "events" else ("name", "labels")
    )
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise ValidationFailed("filters", f"unknown filter '{unknown[0]}' for {source} rules")
    clean: dict[str, Any] = {}
    for key in allowed:
        value = filters.get(key)
        if value is None:
            continue
        if key in ("tags", "labels"):
            mapping = _string_map(value, f"filters.{key}")
            if mapping:
                clean[key] = mapping
        elif not isinstance(value, str) or not value:
            raise ValidationFailed(f"filters.{key}", "must be a non-empty string")
        else:
            clean[key] = value
    if source == "events" and clean.get("event_type", "log") not in EVENT_TYPES:
        raise ValidationFailed("filters.event_type", "Invalid event type")
    if source == "metrics" and "name" not in clean:
        raise ValidationFailed("filters.name", "a metrics rule needs the metric name")
    return clean


def build(
    *,
    source: str,
    filters: Any,
    aggregation: str | None,
    window_minutes: int | None,
    comparator: str,
    threshold: float,
    for_minutes: int = 0,
) -> Rule:
    if source not in SOURCES:
        raise ValidationFailed("source", "must be 'events' or 'metrics'")
    aggregation = aggregation or ("count" if source == "events" else "avg")
    if aggregation not in AGGREGATIONS:
        raise ValidationFailed("aggregation", "must be one of count, avg, sum, min, max")
    if source == "events" and aggregation != "count":
        raise ValidationFailed("aggregation", "events rules can only count")
    if comparator not in COMPARATORS:
        raise ValidationFailed("comparator", "must be one of >, >=, <, <=, ==")
    window = DEFAULT_WINDOW_MINUTES if window_minutes is None else window_minutes
    if not 1 <= window <= MAX_WINDOW_MINUTES:
        raise ValidationFailed("window_minutes", f"must be between 1 and {MAX_WINDOW_MINUTES}")
    if not 0 <= for_minutes <= MAX_WINDOW_MINUTES:
        raise ValidationFailed("for_minutes", f"must be between 0 and {MAX_WINDOW_MINUTES}")
    if not math.isfinite(threshold):
        raise ValidationFailed("threshold_value", "must be a finite number")
    return Rule(
        source=source,
        filters=normalise_filters(source, filters),
        aggregation=aggregation,
        window_minutes=window,
        comparator=comparator,
        threshold=threshold,
        for_minutes=for_minutes,
    )


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in text.split(","):
        key, eq, value = piece.partition("=")
        if not eq or not key or not _VALUE.match(value):
            raise ValueError(piece)
        pairs.append((key, value))
    return pairs


def _target(text: str) -> tuple[str, dict[str, Any]]:
    if text.startswith("metric:"):
        name, _, rest = text.removeprefix("metric:").partition("{")
        filters: dict[str, Any] = {"name": name}
        if rest:
            filters["labels"] = dict(_pairs(rest.removesuffix("}")))
        return "metrics", filters
    filters = {}
    spec = text.removeprefix("events").removeprefix(":")
    for key, value in _pairs(spec) if spec else []:
        if key.startswith("tag.") and len(key) > 4:
            filters.setdefault("tags", {})[key[4:]] = value
        elif key in _EVENT_FILTER_KEYS and _EVENT_FILTER_KEYS[key] not in filters:
            filters[_EVENT_FILTER_KEYS[key]] = value
        else:
            raise ValueError(key)
    return "events", filters


def parse_query(text: str, *, for_minutes: int = 0) -> Rule:
    """A legacy `query` string in the documented grammar, or a 400."""
    match = _QUERY.match(text)
    try:
        if match is None:
            raise ValueError(text)
        source, filters = _target(match["target"])
    except ValueError:
        raise ValidationFailed(
            "query",
            "not a valid rule; expected e.g. 'metric:cpu_usage avg 5m > 80' or "
            "'events:level=error count 5m > 10'",
        ) from None
    window = None
    if match["window"]:
        window = int(match["window"]) * (60 if match["unit"] == "h" else 1)
    return build(
        source=source,
        filters=filters,
        aggregation=match["aggregation"],
        window_minutes=window,
        comparator=match["comparator"],
        threshold=float(match["threshold"]),
        for_minutes=for_minutes,
    )


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def render(rule: Rule) -> str:
    """The rule in the grammar above, stored in `query` so old clients still see a rule.
    For display only: a structured filter value with spaces would not parse back."""
    f = rule.filters
    if rule.source == "metrics":
        labels = ",".join(f"{k}={v}" for k, v in sorted(f.get("labels", {}).items()))
        target = f"metric:{f['name']}" + (f"{{{labels}}}" if labels else "")
    else:
        parts = [f"{short}={f[long]}" for short, long in _EVENT_FILTER_KEYS.items() if long in f]
        parts += [f"tag.{k}={v}" for k, v in sorted(f.get("tags", {}).items())]
        target = "events" + (":" + ",".join(parts) if parts else "")
    return (
        f"{target} {rule.aggregation} {rule.window_minutes}m {rule.comparator} "
        f"{_format_number(rule.threshold)}"
    )
