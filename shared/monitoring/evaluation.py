"""The alert evaluator, run by EventBridge every minute.

The tick is the schedule's `time` (the minute it was due), and it is also the evaluator's clock:
windows end at the tick and `for_minutes` counts ticks, so a late or repeated delivery computes
the same thing. Each rule is evaluated under its row lock with one parameterised query; the rule's
`last_tick` makes a repeated tick a no-op, so a transition (its event, incident and notification)
happens at most once. A rule that fails is recorded on itself and does not stop the others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from shared import db
from shared.monitoring import incidents, notify, system_events
from shared.monitoring.alerts import ALERT_COLUMNS, rule_of
from shared.monitoring.rules import Rule
from shared.observability import logger
from shared.timestamps import format_timestamp

SOURCE = "monitoring-alerts"
_AGGREGATES = {
    "count": "count(*)",
    "avg": "avg(value)",
    "sum": "sum(value)",
    "min": "min(value)",
    "max": "max(value)",
}


@dataclass
class TickReport:
    evaluated: int = 0
    duplicates: int = 0
    fired: int = 0
    resolved: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Step:
    state: str
    pending_since: datetime | None
    transition: str | None  # "firing" | "resolved"


def next_step(
    state: str, pending_since: datetime | None, holds: bool, for_minutes: int, now: datetime
) -> Step:
    if not holds:
        return Step("ok", None, "resolved" if state == "firing" else None)
    if state == "firing":
        return Step("firing", None, None)
    since = pending_since if state == "pending" and pending_since is not None else now
    if now - since >= timedelta(minutes=for_minutes):
        return Step("firing", None, "firing")
    return Step("pending", since, None)


def value_query(rule: Rule, tick: datetime) -> tuple[sql.Composed, dict[str, Any]]:
    """The rule's aggregate over (tick - window, tick]: fixed SQL text, values as parameters."""
    f = rule.filters
    params: dict[str, Any] = {
        "v_since": tick - timedelta(minutes=rule.window_minutes),
        "v_until": tick,
    }
    columns: tuple[str, ...]
    conditions: list[sql.Composable] = [
        sql.SQL("recorded_at > %(v_since)s AND recorded_at <= %(v_until)s")
    ]
    if rule.source == "events":
        table, columns, json_column = "events", ("event_type", "source", "level"), "tags"
    else:
        table, columns, json_column = "metrics", ("name",), "labels"
    for column in columns:
        if column in f:
            conditions.append(
                sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(f"v_{column}"))
            )
            params[f"v_{column}"] = f[column]
    if json_column in f:
        # jsonb_contains() is @> without the GIN index: a common tag value would make the planner
        # intersect a large posting list with the window, where filtering the window is cheaper.
        conditions.append(
            sql.SQL("jsonb_contains({}, %(v_json)s)").format(sql.Identifier(json_column))
        )
        params["v_json"] = Jsonb(f[json_column])
    query = sql.SQL("SELECT {agg}::float8 FROM {table} WHERE {where}").format(
        agg=sql.SQL(_AGGREGATES[rule.aggregation]),
        table=sql.Identifier(table),
        where=sql.SQL(" AND ").join(conditions),
    )
    return query, params


def tick_of(event: dict[str, Any]) -> datetime:
    """The scheduled minute an EventBridge delivery stands for (every redelivery carries the same
    `time`); the current minute for an event without one (a manual invoke)."""
    raw = event.get("time")
    when = datetime.fromisoformat(raw) if isinstance(raw, str) else datetime.now(UTC)
    return when.astimezone(UTC).replace(second=0, microsecond=0)


def evaluate_all(tick: datetime, send: notify.Sender) -> TickReport:
    """Evaluate every active or silenced rule; `send` delivers each due notification."""
    report = TickReport()
    candidates = db.connection().execute(
        sql.SQL(
            "SELECT {} FROM alerts WHERE status IN ('active', 'silenced') ORDER BY created_at, id"
        ).format(ALERT_COLUMNS)
    )
    for candidate in candidates.fetchall():
        try:
            step = _evaluate(candidate, tick, send)
        except Exception as error:  # one broken rule must not stop the others
            report.failed += 1
            _record_failure(candidate["id"], tick, "evaluation", error)
            continue
        if step is None:
            report.duplicates += 1
            continue
        report.evaluated += 1
        if step.transition == "firing":
            report.fired += 1
        elif step.transition == "resolved":
            report.resolved += 1
    return report


def _value(conn: db.Connection, rule: Rule, tick: datetime) -> float | None:
    query, params = value_query(rule, tick)
    row = conn.execute(query, params, prepare=False).fetchone()
    return None if row is None else next(iter(row.values()))


def _evaluate(candidate: dict[str, Any], tick: datetime, send: notify.Sender) -> Step | None:
    """The rule's step for this tick, or None when the tick was already applied. One statement
    locks the rule and computes its value; prepare=False because a generic plan, blind to the
    filter values, can be far worse than the custom one."""
    rule = rule_of(candidate)
    query, params = value_query(rule, tick)
    lock = sql.SQL("SELECT {cols}, ({value}) AS value FROM alerts WHERE id = %(v_id)s FOR UPDATE")
    with db.transaction() as conn:
        alert = conn.execute(
            lock.format(cols=ALERT_COLUMNS, value=query),
            {**params, "v_id": candidate["id"]},
            prepare=False,
        ).fetchone()
        if alert is None or (alert["last_tick"] is not None and alert["last_tick"] >= tick):
            return None  # deleted meanwhile, or this tick (or a later one) already applied
        value = alert.pop("value")
        if rule_of(alert) != rule:  # edited since the tick began: evaluate what is stored now
            rule = rule_of(alert)
            value = _value(conn, rule, tick)
        step = next_step(
            alert["state"], alert["pending_since"], rule.holds(value), rule.for_minutes, tick
        )
        triggered_at, resolved_at = alert["triggered_at"], alert["resolved_at"]
        if step.transition == "firing":
            triggered_at, resolved_at = tick, None
        elif step.transition == "resolved":
            resolved_at = tick
        conn.execute(
            "UPDATE alerts SET state = %s, pending_since = %s, triggered_at = %s,"
            " resolved_at = %s, last_tick = %s, last_value = %s, last_evaluated_at = NOW(),"
            " last_error = NULL WHERE id = %s",
            (step.state, step.pending_since, triggered_at, resolved_at, tick, value, alert["id"]),
        )
        if step.transition is not None:
            _record_transition(alert, step.transition, value, tick)
    due = None if step.transition is None else notify.of_alert(alert, step.transition, value, tick)
    if due is not None and alert["status"] != "silenced":
        try:
            send(due)
        except Exception as error:  # the transition stands; the failure is visible on the rule
            _record_failure(alert["id"], tick, "notification", error)
    return step


def _record_transition(
    alert: dict[str, Any], transition: str, value: float | None, tick: datetime
) -> None:
    silenced = alert["status"] == "silenced"
    system_events.record_event(
        "alert",
        SOURCE,
        notify.describe(alert["name"], transition, alert["query"], value),
        "error" if transition == "firing" else "info",
        {"alert_id": str(alert["id"]), "transition": transition, "tick": format_timestamp(tick)},
        {
            "value": value,
            "threshold": alert["threshold_value"],
            "query": alert["query"],
            "silenced": silenced,
        },
    )
    severity = alert["auto_incident_severity"]
    if transition == "firing" and severity and not silenced:
        incidents.open_for_alert(alert, severity, tick)


def _record_failure(alert_id: Any, tick: datetime, stage: str, error: Exception) -> None:
    """The error goes on the rule (last_error) and into an event tagged with the rule."""
    detail = f"{type(error).__name__}: {error}"[:1000]
    logger.warning(
        "alert rule failed", extra={"alert_id": str(alert_id), "stage": stage, "error": detail}
    )
    try:
        db.connection().execute(
            "UPDATE alerts SET last_error = %s, last_evaluated_at = NOW() WHERE id = %s",
            (f"{stage}: {detail}", alert_id),
        )
        system_events.record_event(
            "log",
            SOURCE,
            f"Alert rule {stage} failed",
            "error",
            {"alert_id": str(alert_id), "stage": stage, "tick": format_timestamp(tick)},
            {"error": detail},
        )
    except Exception:  # the database itself is failing: the log line above is all we have
        logger.exception("could not record alert rule failure")
