"""Events and counters the system writes about itself (alert evaluator, request instrumentation,
the task engine's lifecycle, the ledger's jobs): `record_events`, or `record_event` for one, is
the one way other modules write an event, and `record_counts` a job's counters. One round trip
per call, no ownership check (the caller is the system, not a
user; the rows have no owner, so only moderators and up read them).

Kept apart from the service: recording an event needs none of the API's models, so a function
that records events (the worker, the tasks API) does not load them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg.types.json import Jsonb

from shared import db


@dataclass(frozen=True, slots=True)
class SystemEvent:
    event_type: str
    source: str
    message: str | None = None
    level: str | None = None
    tags: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)


# Many rows in one statement: for a batch of 10, a third of the time of a pipelined executemany.
_RECORD_EVENTS = """
INSERT INTO events (event_type, source, message, level, tags, payload)
SELECT event_type, source, message, level, tags, payload
FROM jsonb_to_recordset(%s::jsonb)
     AS e(event_type text, source text, message text, level text, tags jsonb, payload jsonb)
"""


def record_events(events: Sequence[SystemEvent]) -> None:
    """Record system events in one round trip. Runs inside the caller's transaction, if any."""
    if not events:
        return
    rows = [
        {
            "event_type": e.event_type,
            "source": e.source,
            "message": e.message,
            "level": e.level,
            "tags": e.tags,
            "payload": e.payload,
        }
        for e in events
    ]
    db.connection().execute(_RECORD_EVENTS, (Jsonb(rows),))


def record_event(
    event_type: str,
    source: str,
    message: str | None = None,
    level: str | None = None,
    tags: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    record_events([SystemEvent(event_type, source, message, level, tags or {}, payload or {})])


def record_counts(counts: Mapping[str, int], labels: dict[str, str] | None = None) -> None:
    """Counters the system reports (a job's summary): CloudWatch metrics through EMF, for
    alarms, and rows of the metrics table, for the API and Prometheus. Zero counts are kept:
    a series with gaps hides whether the job ran."""
    if not counts:
        return
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    from shared.observability import metrics

    if not is_metrics_disabled():  # disabled, Powertools still keeps them (and prints at 100)
        for name, value in counts.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    db.connection().execute(
        "INSERT INTO metrics (name, metric_type, value, labels)"
        " SELECT n, 'counter', v, %s FROM unnest(%s::text[], %s::float8[]) AS t(n, v)",
        (Jsonb(labels or {}), list(counts), list(counts.values())),
    )
