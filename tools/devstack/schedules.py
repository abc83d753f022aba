"""EventBridge schedule expressions. moto never fires schedules, so the local stack does."""

from __future__ import annotations

import json
import logging
import re
import threading
import time

from tools.devstack.invoke import Handler
from tools.devstack.template import Schedule, Template
from tools.lambda_events import FakeLambdaContext, scheduled_event

log = logging.getLogger("devstack")

_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


class UnsupportedSchedule(ValueError):
    pass


def interval_seconds(expression: str) -> float:
    """Seconds between runs of a `rate(...)` expression, validated the way EventBridge does
    (a value of 1 takes the singular unit, larger values the plural)."""
    match = _RATE.match(expression.strip())
    if match is None:
        if expression.strip().startswith(("cron(", "at(")):
            raise UnsupportedSchedule(f"{expression}: only rate() runs locally; use `trigger`")
        raise ValueError(f"invalid schedule expression {expression!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ValueError(f"{expression}: the rate must be positive")
    if (value == 1) != (not unit.endswith("s")):
        raise ValueError(f"{expression}: use the singular unit for 1 and the plural otherwise")
    return float(value * _UNITS[unit.removesuffix("s")])


class UnknownSchedule(LookupError):
    pass


def find_schedule(template: Template, name: str) -> Schedule:
    """A schedule by rule name, `<Function>.<Event>`, event id or function (if it has one)."""
    wanted = name.lower()
    matches = [
        s
        for s in template.schedules
        if wanted
        in (
            s.rule_name.lower(),
            f"{s.function}.{s.event_id}".lower(),
            s.event_id.lower(),
            s.function.lower(),
        )
    ]
    if len(matches) != 1:
        known = ", ".join(f"{s.function}.{s.event_id}" for s in template.schedules) or "none"
        problem = "ambiguous" if matches else "unknown"
        raise UnknownSchedule(f"{problem} schedule {name!r}; schedules: {known}")
    return matches[0]


def fire(schedule: Schedule, handler: Handler, timeout: float) -> bool:
    """One EventBridge delivery: the rule's constant Input, else a Scheduled Event."""
    event = json.loads(schedule.input) if schedule.input else scheduled_event(schedule.rule_name)
    started = time.monotonic()
    try:
        handler(event, FakeLambdaContext(schedule.function, timeout))
    except Exception:
        log.exception("schedule %s: %s raised", schedule.rule_name, schedule.function)
        ok = False
    else:
        ok = True
    log.info(
        "SCHEDULE %s -> %s: %s, %.1f ms",
        schedule.rule_name,
        schedule.function,
        "ok" if ok else "FAILED",
        (time.monotonic() - started) * 1000,
    )
    return ok


def schedule_loop(
    schedule: Schedule, handler: Handler, timeout: float, interval: float, stop: threading.Event
) -> None:
    while not stop.wait(interval):
        fire(schedule, handler, timeout)
