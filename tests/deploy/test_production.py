"""template.yaml as production needs it: logs that expire, alarms that can fire, secrets only by
ARN, safe deploys, least privilege and a bounded database connection budget."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.test_template import FUNCTIONS, function_globals, resources, template

ALARMS = resources("AWS::CloudWatch::Alarm")
LOG_GROUPS = resources("AWS::Logs::LogGroup")
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|KEY")


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def alarm_on(metric: str, dimension_value: Any) -> dict[str, Any]:
    found = [
        a["Properties"]
        for a in ALARMS.values()
        if a["Properties"].get("MetricName") == metric
        and any(d["Value"] == dimension_value for d in a["Properties"].get("Dimensions", []))
    ]
    assert len(found) == 1, f"one alarm on {metric} for {dimension_value}, found {len(found)}"
    return found[0]


# ---- logs --------------------------------------------------------------------------------


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_every_function_logs_to_its_own_expiring_group(function_id: str) -> None:
    group = FUNCTIONS[function_id]["Properties"]["LoggingConfig"]["LogGroup"]
    assert group == ref(f"{function_id}LogGroup")
    props = LOG_GROUPS[f"{function_id}LogGroup"]["Properties"]
    assert props["RetentionInDays"] == ref("LogRetentionDays")


def test_logs_are_json_with_levels_from_parameters() -> None:
    assert function_globals()["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": ref("LogLevel"),
        "SystemLogLevel": ref("SystemLogLevel"),
    }
    assert template()["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_the_api_writes_json_access_logs_to_an_expiring_group() -> None:
    settings = template()["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = re.findall(r'"(\w+)":"\$context\.', settings["Format"])
    assert {"requestId", "status", "routeKey", "latencyMs", "integrationError"} <= set(fields)
    assert LOG_GROUPS["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == ref(
        "LogRetentionDays"
    )


# ---- alarms ------------------------------------------------------------------------------


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_errors_and_throttles(function_id: str, metric: str) -> None:
    alarm = alarm_on(metric, ref(function_id))
    assert alarm["Namespace"] == "AWS/Lambda"
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )


@pytest.mark.parametrize(("queue", "threshold"), [("TaskQueue", 900), ("PriorityTaskQueue", 300)])
def test_queues_alarm_on_the_age_of_their_oldest_message(queue: str, threshold: int) -> None:
    alarm = alarm_on("ApproximateAgeOfOldestMessage", {"Fn::GetAtt": [queue, "QueueName"]})
    assert alarm["Threshold"] == threshold and alarm["Statistic"] == "Maximum"


def test_failed_tasks_alarm_watches_the_metric_the_code_emits() -> None:
    from shared.tasks.lifecycle import METRICS
    from shared.tasks.states import TaskStatus

    alarm = alarm_on("TasksFailed", "serverless-starter")
    assert METRICS[TaskStatus.FAILED] == alarm["MetricName"]
    assert (
        alarm["Namespace"]
        == function_globals()["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    )
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "serverless-starter"}]


def test_api_alarms_on_5xx_rate_and_p99_latency() -> None:
    rate = ALARMS["ApiServerErrorRateAlarm"]["Properties"]
    stats = {
        m["Id"]: m["MetricStat"]["Metric"]["MetricName"]
        for m in rate["Metrics"]
        if "MetricStat" in m
    }
    assert stats == {"errors": "5xx", "requests": "Count"}
    expression = next(m["Expression"] for m in rate["Metrics"] if "Expression" in m)
    assert "errors / requests" in expression and rate["Threshold"] == 1
    latency = ALARMS["ApiLatencyP99Alarm"]["Properties"]
    assert latency["ExtendedStatistic"] == "p99"
    assert latency["Threshold"] == ref("ApiLatencyP99ThresholdMs")
    assert latency["Dimensions"] == [{"Name": "ApiId", "Value": ref("HttpApi")}]


def test_every_alarm_notifies_the_topic_and_an_email_can_subscribe() -> None:
    for alarm_id, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [ref("AlarmTopic")], alarm_id
    subscription = template()["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == ref("AlarmEmail")


def test_the_dashboard_shows_every_function_and_queue() -> None:
    body = template()["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    shown = set(re.findall(r"\$\{(\w+)", body))
    assert set(FUNCTIONS) - {"MigrationFunction"} <= shown
    assert {"HttpApi", "TaskQueue", "PriorityTaskQueue", "TaskDeadLetterQueue"} <= shown


# ---- secrets -----------------------------------------------------------------------------


def _environments() -> list[tuple[str, str, Any]]:
    found = [("Globals", k, v) for k, v in function_globals()["Environment"]["Variables"].items()]
    for fid, f in FUNCTIONS.items():
        variables = f["Properties"].get("Environment", {}).get("Variables", {})
        found += [(fid, k, v) for k, v in variables.items()]
    return found


def test_no_environment_variable_holds_a_secret_value() -> None:
    no_echo = {n for n, p in template()["Parameters"].items() if p.get("NoEcho")}
    for where, name, value in _environments():
        assert not (isinstance(value, dict) and value.get("Ref") in no_echo), (where, name)
        if SECRET_NAME.search(name):
            assert name.endswith("_ARN"), f"{where}: {name} must name a secret, not hold one"
    assert no_echo == set(), "secrets come in by ARN: no NoEcho parameter is needed"


def test_outputs_hold_no_secret_values() -> None:
    for name, output in template()["Outputs"].items():
        value = str(output["Value"])
        assert "Password" not in value and "Token" not in value.replace("Secret", ""), name


# ---- deploys and least privilege ---------------------------------------------------------


def test_every_deploy_publishes_an_alias_shifted_by_codedeploy() -> None:
    assert function_globals()["AutoPublishAlias"] == "live"
    assert function_globals()["DeploymentPreference"] == {"Type": ref("DeploymentPreferenceType")}
    assert template()["Parameters"]["DeploymentPreferenceType"]["Default"] == "AllAtOnce"
    assert (
        "Canary10Percent5Minutes"
        in template()["Parameters"]["DeploymentPreferenceType"]["AllowedValues"]
    )


@pytest.mark.parametrize("function_id", sorted(set(FUNCTIONS) - {"MigrationFunction"}))
def test_a_firing_error_alarm_rolls_the_deploy_back(function_id: str) -> None:
    preference = FUNCTIONS[function_id]["Properties"]["DeploymentPreference"]
    assert preference == {"Alarms": [ref(f"{function_id}ErrorsAlarm")]}


def test_vpc_network_interfaces_are_allowed_only_with_subnets() -> None:
    assert function_globals()["PermissionsBoundary"] == ref("FunctionPermissionsBoundary")
    statements = template()["Resources"]["FunctionPermissionsBoundary"]["Properties"][
        "PolicyDocument"
    ]["Statement"]
    conditional = [s["Fn::If"] for s in statements if "Fn::If" in s]
    assert [c[0] for c in conditional] == ["HasVpc"]
    assert conditional[0][2] == ref("AWS::NoValue")
    plain = " ".join(str(s.get("Action")) for s in statements if "Fn::If" not in s)
    assert "ec2:" not in plain
    assert function_globals()["VpcConfig"]["Fn::If"][0] == "HasVpc"


def test_the_boundary_lists_only_services_the_code_calls() -> None:
    statements = template()["Resources"]["FunctionPermissionsBoundary"]["Properties"][
        "PolicyDocument"
    ]["Statement"]
    actions = [
        a
        for s in statements
        for a in ([s.get("Action")] if isinstance(s.get("Action"), str) else s.get("Action", []))
    ]
    services = {a.split(":")[0] for a in actions}
    assert services == {"logs", "xray", "secretsmanager", "sqs", "s3", "ses", "sns", "rds-db"}
    assert not any(a.endswith(":*") or a == "*" for a in actions)


# ---- the database connection budget ------------------------------------------------------


def test_rds_proxy_resources_exist_only_under_the_condition() -> None:
    proxy = {k: v for k, v in template()["Resources"].items() if k.startswith("DatabaseProxy")}
    assert set(proxy) == {"DatabaseProxy", "DatabaseProxyRole", "DatabaseProxyTargetGroup"}
    assert all(r["Condition"] == "UseRdsProxy" for r in proxy.values())
    props = proxy["DatabaseProxy"]["Properties"]
    assert props["RequireTLS"] is True and props["EngineFamily"] == "POSTGRESQL"
    assert props["Auth"] == [
        {"AuthScheme": "SECRETS", "SecretArn": ref("DatabaseSecretArn"), "IAMAuth": "REQUIRED"}
    ]


def test_behind_the_proxy_functions_use_iam_tokens_and_no_prepared_statements() -> None:
    variables = function_globals()["Environment"]["Variables"]
    assert variables["DB_IAM_AUTH"] == {"Fn::If": ["UseRdsProxy", "true", "false"]}
    assert variables["DB_PREPARE_THRESHOLD"] == {
        "Fn::If": ["UseRdsProxy", "none", ref("DbPrepareThreshold")]
    }
    assert variables["DB_PROXY_ENDPOINT"]["Fn::If"][1] == {
        "Fn::GetAtt": ["DatabaseProxy", "Endpoint"]
    }


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_every_function_may_connect_through_the_proxy_only_when_it_exists(
    function_id: str,
) -> None:
    conditional = [
        p["Fn::If"]
        for p in FUNCTIONS[function_id]["Properties"]["Policies"]
        if isinstance(p, dict) and "Fn::If" in p and p["Fn::If"][0] == "UseRdsProxy"
    ]
    assert len(conditional) == 1
    statement = conditional[0][1]["Statement"][0]
    assert statement["Action"] == "rds-db:connect"
    assert "dbuser:${ProxyId}/*" in statement["Resource"]["Fn::Sub"][0]


def test_reserved_concurrency_is_a_parameter() -> None:
    assert function_globals()["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasReservedConcurrency",
            ref("FunctionReservedConcurrency"),
            ref("AWS::NoValue"),
        ]
    }
    events = FUNCTIONS["WorkerFunction"]["Properties"]["Events"]
    assert events["Tasks"]["Properties"]["ScalingConfig"] == {
        "MaximumConcurrency": ref("WorkerMaxConcurrency")
    }
    assert events["PriorityTasks"]["Properties"]["ScalingConfig"] == {
        "MaximumConcurrency": ref("PriorityWorkerMaxConcurrency")
    }


def test_verify_full_tls_reads_the_bundle_the_layer_ships() -> None:
    variables = function_globals()["Environment"]["Variables"]
    assert variables["DB_SSL_ROOT_CERT"] == {
        "Fn::If": ["VerifyDatabaseCertificate", "/opt/certs/rds-global-bundle.pem", ""]
    }
