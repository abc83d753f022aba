"""What the local stack needs from template.yaml: functions (handler, timeout, environment, events)
and queues. CloudFormation short tags (!Ref, !GetAtt, !Sub, ...) load as their long forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cfn_flip  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as data, short tags (!Ref, !GetAtt, !Sub, ...) in their long forms: the one
    loader of template.yaml, used by the local stack and the tests."""
    document: dict[str, Any] = cfn_flip.load_yaml(path.read_text())
    return document


@dataclass(frozen=True)
class Queue:
    logical_id: str
    properties: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.properties.get("QueueName", self.logical_id))


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    properties: dict[str, Any]

    @property
    def name(self) -> str:
        # CloudFormation would generate a name; locally the lower-cased logical id is unique.
        name = self.properties.get("BucketName")
        return name if isinstance(name, str) else self.logical_id.lower()


@dataclass(frozen=True)
class Route:
    method: str  # "ANY" or an HTTP method
    path: str  # "/a/{id}/{proxy+}" or "$default"
    function: str


@dataclass(frozen=True)
class SqsSource:
    queue: str  # logical id
    batch_size: int
    window_seconds: float
    report_failures: bool
    enabled: bool


@dataclass(frozen=True)
class Schedule:
    function: str
    event_id: str
    rule_name: str
    expression: str
    input: str | None
    enabled: bool


@dataclass(frozen=True)
class Function:
    logical_id: str
    module: str  # e.g. functions.health.handler
    attribute: str
    timeout: float
    environment: dict[str, Any]
    policies: list[Any] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    sqs: list[SqsSource] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


@dataclass(frozen=True)
class Template:
    parameters: dict[str, Any]
    conditions: dict[str, Any]
    queues: dict[str, Queue]
    buckets: dict[str, Bucket]
    functions: dict[str, Function]

    @property
    def routes(self) -> list[Route]:
        return [r for f in self.functions.values() for r in f.routes]

    @property
    def schedules(self) -> list[Schedule]:
        return [s for f in self.functions.values() for s in f.schedules]


def _handler_location(code_uri: str, handler: str) -> tuple[str, str]:
    """CodeUri functions/health/, Handler handler.handler -> functions.health.handler, handler."""
    package = [p for p in Path(code_uri).parts if p not in (".", "")]
    *module, attribute = handler.split(".")
    return ".".join([*package, *module]), attribute


def _queue_id(ref: Any) -> str:
    """The queue's logical id from an event source's Queue: !GetAtt Q.Arn (or a bare !Ref)."""
    if isinstance(ref, dict) and "Fn::GetAtt" in ref:
        return str(ref["Fn::GetAtt"][0])
    if isinstance(ref, dict) and "Ref" in ref:
        return str(ref["Ref"])
    raise ValueError(f"unsupported SQS event Queue value {ref!r}")


def _function(logical_id: str, props: dict[str, Any], globals_: dict[str, Any]) -> Function:
    merged = {**globals_, **props}
    variables = {
        **globals_.get("Environment", {}).get("Variables", {}),
        **props.get("Environment", {}).get("Variables", {}),
    }
    module, attribute = _handler_location(str(merged["CodeUri"]), str(merged["Handler"]))
    timeout = float(merged.get("Timeout", 3))
    policies = props.get("Policies") or []
    fn = Function(logical_id, module, attribute, timeout, variables, policies)
    for event_id, event in (props.get("Events") or {}).items():
        kind, p = event.get("Type"), event.get("Properties") or {}
        if kind == "HttpApi":
            fn.routes.append(
                Route(
                    str(p.get("Method", "ANY")).upper(), str(p.get("Path", "$default")), logical_id
                )
            )
        elif kind == "SQS":
            fn.sqs.append(
                SqsSource(
                    queue=_queue_id(p["Queue"]),
                    batch_size=int(p.get("BatchSize", 10)),
                    window_seconds=float(p.get("MaximumBatchingWindowInSeconds", 0)),
                    report_failures="ReportBatchItemFailures"
                    in (p.get("FunctionResponseTypes") or []),
                    enabled=bool(p.get("Enabled", True)),
                )
            )
        elif kind in ("Schedule", "ScheduleV2"):
            expression = p.get("Schedule") if kind == "Schedule" else p.get("ScheduleExpression")
            enabled = bool(p.get("Enabled", True)) and p.get("State", "ENABLED") == "ENABLED"
            fn.schedules.append(
                Schedule(
                    logical_id,
                    event_id,
                    str(p.get("Name", logical_id + event_id)),
                    str(expression),
                    p.get("Input"),
                    enabled,
                )
            )
    return fn


def parse(document: dict[str, Any]) -> Template:
    resources: dict[str, Any] = document.get("Resources", {})
    globals_: dict[str, Any] = document.get("Globals", {}).get("Function", {})
    queues = {
        rid: Queue(rid, r.get("Properties") or {})
        for rid, r in resources.items()
        if r.get("Type") == "AWS::SQS::Queue"
    }
    buckets = {
        rid: Bucket(rid, r.get("Properties") or {})
        for rid, r in resources.items()
        if r.get("Type") == "AWS::S3::Bucket"
    }
    functions = {
        rid: _function(rid, r.get("Properties") or {}, globals_)
        for rid, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function"
        and "InlineCode" not in (r.get("Properties") or {})
    }
    return Template(
        document.get("Parameters", {}), document.get("Conditions", {}), queues, buckets, functions
    )


class Unresolvable(ValueError):
    """An intrinsic the local stack cannot evaluate (e.g. a parameter without a default)."""


_SUB = re.compile(r"\$\{([^}!]+)\}")


def resolve(value: Any, names: dict[str, str]) -> str:
    """Evaluate a template value to a string. `names` maps `Ref` targets and `Res.Attr` GetAtt
    targets (and pseudo parameters) to their local values."""
    if isinstance(value, str | int | float | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref" and arg in names:
            return names[arg]
        if fn == "Fn::GetAtt" and ".".join(arg) in names:
            return names[".".join(arg)]
        if fn == "Fn::Sub" and isinstance(arg, str):

            def lookup(match: re.Match[str]) -> str:
                if match.group(1) not in names:
                    raise Unresolvable(match.group(1))
                return names[match.group(1)]

            return _SUB.sub(lookup, arg)
        if fn == "Fn::Join":
            return str(arg[0]).join(resolve(v, names) for v in arg[1])
        if fn == "Fn::If" and f"Condition::{arg[0]}" in names:
            return resolve(arg[1] if names[f"Condition::{arg[0]}"] == "true" else arg[2], names)
    raise Unresolvable(repr(value))


def environment_of(fn: Function, names: dict[str, str]) -> dict[str, str]:
    """The function's environment variables, evaluated; those `names` cannot resolve are left
    out."""
    env: dict[str, str] = {}
    for key, value in fn.environment.items():
        try:
            env[key] = resolve(value, names)
        except Unresolvable:
            continue
    return env


def evaluate_conditions(conditions: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    """Each condition as `Condition::<name>` -> "true"/"false", for `Fn::If` in `resolve`;
    conditions that cannot be evaluated locally are left out."""

    def holds(expression: Any) -> bool:
        ((fn, arg),) = expression.items()
        if fn == "Fn::Equals":
            return resolve(arg[0], names) == resolve(arg[1], names)
        if fn == "Fn::Not":
            return not holds(arg[0])
        if fn == "Fn::And":
            return all(holds(a) for a in arg)
        if fn == "Fn::Or":
            return any(holds(a) for a in arg)
        if fn == "Condition":
            return holds(conditions[arg])
        raise Unresolvable(repr(expression))

    evaluated: dict[str, str] = {}
    for name, expression in conditions.items():
        try:
            evaluated[f"Condition::{name}"] = str(holds(expression)).lower()
        except (Unresolvable, KeyError, ValueError):
            continue
    return evaluated
