"""Invariants of template.yaml that must keep holding as groups add their functions."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tools.devstack import template as template_loader

ROOT = Path(__file__).resolve().parents[2]
# The longest a queue consumer (the task worker) may run: Lambda's maximum.
PLANNED_WORKER_TIMEOUT = 900
HTTP_API_TIMEOUT = 29  # API Gateway gives up on the integration after 30 s
SECRET_POLICY = {
    "AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "DatabaseSecretArn"}}
}


@cache
def template() -> dict[str, Any]:
    return template_loader.load()


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {rid: r for rid, r in template()["Resources"].items() if r["Type"] == kind}


def function_globals() -> dict[str, Any]:
    globals_: dict[str, Any] = template()["Globals"]["Function"]
    return globals_


def prop(function: dict[str, Any], name: str) -> Any:
    """A function property, falling back to Globals like SAM does."""
    return function.get("Properties", {}).get(name, function_globals().get(name))


FUNCTIONS = resources("AWS::Serverless::Function")
QUEUES = resources("AWS::SQS::Queue")


def consumers(queue_id: str) -> list[str]:
    return [
        fid
        for fid, f in FUNCTIONS.items()
        for e in (f["Properties"].get("Events") or {}).values()
        if e["Type"] == "SQS" and e["Properties"]["Queue"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    ]


def dead_letter_targets() -> set[str]:
    return {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in QUEUES.values()
        if "RedrivePolicy" in q["Properties"]
    }


def test_every_function_runs_python_3_13_on_arm64_by_default() -> None:
    """The Architecture parameter (arm64 unless overridden, as `make sam-test` does on x86)."""
    assert template()["Parameters"]["Architecture"]["Default"] == "arm64"
    assert function_globals()["Runtime"] == "python3.13"
    assert function_globals()["Architectures"] == [{"Ref": "Architecture"}]
    for fid, f in FUNCTIONS.items():
        assert prop(f, "Runtime") == "python3.13", fid
        assert prop(f, "Architectures") == [{"Ref": "Architecture"}], fid


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_code_uri_holds_a_handler_module(function_id: str) -> None:
    code_uri = ROOT / prop(FUNCTIONS[function_id], "CodeUri")
    module, attribute = prop(FUNCTIONS[function_id], "Handler").rsplit(".", 1)
    source = code_uri / f"{module.replace('.', '/')}.py"
    assert source.is_file(), f"{function_id}: {source} is missing"
    assert str(prop(FUNCTIONS[function_id], "CodeUri")).startswith("functions/")
    # The package is the folder: nothing else may be shipped with the handler.
    assert {p.name for p in code_uri.iterdir()} - {"__pycache__"} == {source.name}
    names = {
        target.id
        for node in ast.parse(source.read_text()).body
        for target in (
            node.targets if isinstance(node, ast.Assign) else [ast.Name(getattr(node, "name", ""))]
        )
        if isinstance(target, ast.Name)
    }
    assert attribute in names, f"{source} defines no {attribute!r}"


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_timeouts_fit_their_trigger(function_id: str) -> None:
    function = FUNCTIONS[function_id]
    timeout = prop(function, "Timeout")
    assert 1 <= timeout <= PLANNED_WORKER_TIMEOUT
    events = (function["Properties"].get("Events") or {}).values()
    if any(e["Type"] == "HttpApi" for e in events):
        assert timeout <= HTTP_API_TIMEOUT, f"{function_id} outlives API Gateway's 30 s"


OBJECT_KEY_PREFIX = re.compile(r"\$\{\w+\.Arn\}/[\w-]+/\*")


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_every_function_may_read_only_the_database_secret(function_id: str) -> None:
    policies = FUNCTIONS[function_id]["Properties"].get("Policies", [])
    assert SECRET_POLICY in policies
    for policy in policies:
        # The one wildcard allowed: object keys under a prefix of a bucket of this stack.
        statement = OBJECT_KEY_PREFIX.sub("", str(policy.get("Statement", "")))
        assert policy != "AdministratorAccess" and "*" not in statement, (
            f"{function_id}: write a scoped policy"
        )


@pytest.mark.parametrize("queue_id", sorted(QUEUES))
def test_queue_visibility_covers_six_consumer_timeouts(queue_id: str) -> None:
    props = QUEUES[queue_id]["Properties"]
    timeouts = [prop(FUNCTIONS[fid], "Timeout") for fid in consumers(queue_id)]
    if "RedrivePolicy" in props:  # a task queue: the worker may run up to the planned timeout
        timeouts.append(PLANNED_WORKER_TIMEOUT)
    visibility = props.get("VisibilityTimeout", 30)
    assert visibility >= 6 * max(timeouts, default=0), (queue_id, visibility, timeouts)
    assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props


@pytest.mark.parametrize(
    "queue_id", sorted(q for q in QUEUES if "RedrivePolicy" in QUEUES[q]["Properties"])
)
def test_redrive_to_a_dead_letter_queue_after_five_receives(queue_id: str) -> None:
    redrive = QUEUES[queue_id]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] >= 5
    assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in QUEUES


def test_the_task_queues_share_one_dead_letter_queue() -> None:
    assert {"TaskQueue", "PriorityTaskQueue", "TaskDeadLetterQueue"} <= set(QUEUES)
    assert dead_letter_targets() == {"TaskDeadLetterQueue"}
    assert QUEUES["TaskDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 1209600


def test_every_dead_letter_queue_has_an_arrivals_alarm() -> None:
    """Arrivals, not depth: the reconciler drains the queue before a depth sample sees it."""
    alarmed = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "NumberOfMessagesReceived"
        and a["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        and a["Properties"]["Threshold"] == 0
    }
    assert dead_letter_targets() <= alarmed


def test_http_routes_are_claimed_once() -> None:
    routes = [
        (fid, e["Properties"].get("Method", "ANY").upper(), e["Properties"]["Path"])
        for fid, f in FUNCTIONS.items()
        for e in (f["Properties"].get("Events") or {}).values()
        if e["Type"] == "HttpApi"
    ]
    keys = [(method, path) for _, method, path in routes]
    assert len(keys) == len(set(keys)), sorted(keys)
    assert ("DocsFunction", "ANY", "$default") in routes
    for fid, _, path in routes:
        assert path == "$default" or re.fullmatch(r"/[\w\-/{}+]*", path), (fid, path)


def test_layers_reach_every_function_and_have_a_build_target() -> None:
    layers = resources("AWS::Serverless::LayerVersion")
    assert function_globals()["Layers"] == [{"Ref": lid} for lid in layers]
    for lid, layer in layers.items():
        assert layer["Metadata"]["BuildMethod"] == "makefile"
        assert layer["Metadata"]["BuildArchitecture"] == "arm64"
        makefile = ROOT / layer["Properties"]["ContentUri"] / "Makefile"
        assert f"build-{lid}:" in makefile.read_text()


def test_deploy_runs_the_migrations_and_never_waits_forever() -> None:
    custom = template()["Resources"]["DatabaseMigrations"]["Properties"]
    assert custom["ServiceToken"] == {"Fn::GetAtt": ["MigrationFunction", "Arn"]}
    assert custom["ServiceTimeout"] <= 900
    # The layer versions change whenever shared code or migrations change: that re-runs it.
    assert custom["SharedLayer"] == {"Ref": "SharedLayer"}


def test_environment_matches_the_settings_fields() -> None:
    from pydantic import BaseModel

    from shared.settings import Settings

    def variables_of(model: type[BaseModel]) -> set[str]:
        names: set[str] = set()
        for name, field in model.model_fields.items():
            kind = field.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                names |= variables_of(kind)
            else:
                names.add((field.alias or name).upper())
        return names

    fields = variables_of(Settings)
    variables = set(function_globals()["Environment"]["Variables"])
    unknown = {v for v in variables if not v.startswith("POWERTOOLS_")} - fields
    assert not unknown, f"no settings field reads {sorted(unknown)}"


@pytest.mark.parametrize("function_id", sorted(set(FUNCTIONS) - {"MigrationFunction"}))
def test_code_waits_for_the_schema(function_id: str) -> None:
    depends = FUNCTIONS[function_id].get("DependsOn", [])
    assert "DatabaseMigrations" in ([depends] if isinstance(depends, str) else depends)


def _environment(**parameters: str) -> dict[str, str]:
    """The Globals environment as deployed with `parameters` (others at their defaults)."""
    from tools.devstack.services import resource_names

    names = resource_names(template_loader.parse(template()), {}, parameters)
    variables = function_globals()["Environment"]["Variables"]
    return {
        "POWERTOOLS_TRACE_DISABLED": template_loader.resolve(
            variables["POWERTOOLS_TRACE_DISABLED"], names
        ),
        "Tracing": template_loader.resolve(function_globals()["Tracing"], names),
        "SnapStart": template_loader.resolve(function_globals()["SnapStart"]["ApplyOn"], names),
    }


def test_tracing_and_snapstart_are_off_by_default() -> None:
    assert _environment() == {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "Tracing": "PassThrough",
        "SnapStart": "None",
    }


def test_enable_tracing_turns_on_lambda_and_powertools_tracing() -> None:
    on = _environment(EnableTracing="true")
    assert on["POWERTOOLS_TRACE_DISABLED"] == "false"
    assert on["Tracing"] == "Active"


def test_snapstart_applies_to_the_published_versions_the_alias_serves() -> None:
    assert _environment(EnableSnapStart="true")["SnapStart"] == "PublishedVersions"
    assert function_globals()["AutoPublishAlias"] == "live"
