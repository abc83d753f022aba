"""The backing services the functions need locally: a migrated PostgreSQL, moto with the
template's queues, and the environment variables that point the functions at them."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import socket
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tools import pg
from tools.devstack.sqs import LocalQueue, aws_client, create_queues, sqs_client, start_moto
from tools.devstack.template import (
    Template,
    Unresolvable,
    environment_of,
    evaluate_conditions,
    resolve,
)
from tools.lambda_events import ACCOUNT, REGION

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

log = logging.getLogger("devstack")

DEFAULT_PG_PORT = 54329
DEFAULT_MOTO_PORT = 4566


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Services:
    database_url: str
    moto_endpoint: str
    queues: dict[str, LocalQueue]
    environment: dict[str, str]


def _database() -> tuple[str, Path | None]:
    """DATABASE_URL if set, else the project-local cluster, and the data directory the caller
    stops on exit. One stack runs per folder (the stack refuses a second), so a cluster already
    running was left by a stack that was killed, or started by the CLI: this stack adopts it,
    says so, and stops it on exit."""
    from shared.settings import get_settings

    url = get_settings().database.database_url
    if url:
        return url, None
    data_dir = pg.data_dir_for("pg")
    was_running = (data_dir / "pgdata" / "postmaster.pid").exists()  # what pg.stop checks too
    cluster = pg.start(data_dir, port=DEFAULT_PG_PORT if _port_free(DEFAULT_PG_PORT) else None)
    if was_running:
        log.info("PostgreSQL was already running (%s): using it", cluster.url())
    return pg.ensure_database(cluster, "starter"), data_dir


def _migrate(url: str) -> None:
    # shared.jobs.deploy (the deploy-time step runner) also runs post-migration steps; prefer it.
    if importlib.util.find_spec("shared.jobs.deploy") is not None:
        result = importlib.import_module("shared.jobs.deploy").apply(url)
        log.info("deploy steps: %s", ", ".join(f"{k}={v}" for k, v in result.items()))
        # moto's queues start empty: messages of tasks sent by an earlier run are gone.
        lost = importlib.import_module("shared.tasks.outbox").forget_sent(url)
        if lost:
            log.info("%d waiting tasks lost their messages with the last run: sending again", lost)
        return
    from shared import migrations

    applied = migrations.up(url)
    log.info(
        "migrations: %s", ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "up to date"
    )


def _env_name(logical_id: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", logical_id).upper()


def resource_names(
    template: Template,
    queues: dict[str, LocalQueue],
    parameters: dict[str, str] | None = None,
) -> dict[str, str]:
    """Local values of what `Ref`/`GetAtt`/`Sub`/`Fn::If` can name: pseudo parameters, parameter
    defaults (Stage dev) or the given `parameters`, the conditions, queues and buckets."""
    names = {
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::StackName": "local",
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    names |= {p: str(d["Default"]) for p, d in template.parameters.items() if "Default" in d}
    names["Stage"] = "dev"
    names |= parameters or {}
    names |= evaluate_conditions(template.conditions, names)
    for q in queues.values():
        names |= {
            q.logical_id: q.url,
            f"{q.logical_id}.Arn": q.arn,
            f"{q.logical_id}.QueueName": q.name,
            f"{q.logical_id}.QueueUrl": q.url,
        }
    for b in template.buckets.values():
        names |= {b.logical_id: b.name, f"{b.logical_id}.Arn": f"arn:aws:s3:::{b.name}"}
    return names


def function_environment(
    template: Template, database_url: str, endpoint: str, queues: dict[str, LocalQueue]
) -> dict[str, str]:
    """What the functions' Environment gives them in AWS, evaluated against local resources,
    plus what points them at the local database and moto."""
    names = resource_names(template, queues)
    env: dict[str, str] = {}
    for fn in template.functions.values():
        # The developer's shell wins (e.g. POWERTOOLS_LOG_LEVEL=DEBUG).
        env |= {k: v for k, v in environment_of(fn, names).items() if k not in os.environ}
    env |= {f"{_env_name(q.logical_id)}_URL": q.url for q in queues.values()}
    env |= {
        "ENVIRONMENT": "dev",
        "DATABASE_URL": database_url,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts anything; never real credentials
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    env.pop("DATABASE_SECRET_ARN", None)
    return env


def apply_environment(env: dict[str, str]) -> None:
    os.environ.update(env)
    from shared import db
    from shared.settings import get_settings

    get_settings.cache_clear()
    db.reset()


def _create_buckets(endpoint: str, template: Template) -> None:
    if not template.buckets:
        return
    s3 = aws_client("s3", endpoint)
    for bucket in template.buckets.values():
        s3.create_bucket(Bucket=bucket.name)


_SES_IDENTITY = re.compile(r"^arn:aws:ses:[^:]*:[^:]*:identity/(.+)$")


def ses_identities(template: Template, names: dict[str, str]) -> set[str]:
    """The SES identities the functions' policies may send from: moto, like SES, refuses to send
    from an identity that is not verified, so the stack verifies these."""
    found: set[str] = set()
    for fn in template.functions.values():
        for policy in fn.policies:
            statements = policy.get("Statement", []) if isinstance(policy, dict) else []
            for statement in statements if isinstance(statements, list) else [statements]:
                resources = statement.get("Resource", [])
                for resource in resources if isinstance(resources, list) else [resources]:
                    try:
                        match = _SES_IDENTITY.match(resolve(resource, names))
                    except Unresolvable:
                        continue
                    if match:
                        found.add(match.group(1))
    return found


def _verify_ses_identities(endpoint: str, identities: set[str]) -> None:
    if not identities:
        return
    ses = aws_client("ses", endpoint)
    for identity in identities:
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)


def _start_aws(template: Template, port: int) -> tuple[ThreadedMotoServer, dict[str, LocalQueue]]:
    server = start_moto(port)
    endpoint = f"http://127.0.0.1:{port}"
    queues = create_queues(sqs_client(endpoint), template.queues.values())
    _create_buckets(endpoint, template)
    _verify_ses_identities(endpoint, ses_identities(template, resource_names(template, queues)))
    return server, queues


def _stop_aws(started: Future[tuple[ThreadedMotoServer, dict[str, LocalQueue]]]) -> None:
    try:
        server, _ = started.result()
    except Exception:  # it never started: nothing to stop (the error surfaced already)
        return
    server.stop()


def _stop_postgres(data_dir: Path) -> None:
    try:
        pg.stop(data_dir)
        log.info("PostgreSQL stopped (use --keep-db to leave it running)")
    except pg.PostgresUnavailable as error:
        log.warning("could not stop PostgreSQL: %s", error)


@contextmanager
def services(
    template: Template, *, keep_db: bool, moto_port: int | None = None
) -> Iterator[Services]:
    """Database (migrated), moto with the template's resources, and the functions' environment.
    Cleans up in reverse: PostgreSQL (if this started it and not keep_db), then moto."""
    port = moto_port or (DEFAULT_MOTO_PORT if _port_free(DEFAULT_MOTO_PORT) else pg.free_port())
    endpoint = f"http://127.0.0.1:{port}"
    with ExitStack() as cleanup, ThreadPoolExecutor(1, "moto") as pool:
        # moto's import and setup overlap PostgreSQL's start and the migrations.
        aws = pool.submit(_start_aws, template, port)
        cleanup.callback(_stop_aws, aws)
        database_url, started_dir = _database()
        if started_dir is not None and not keep_db:
            cleanup.callback(_stop_postgres, started_dir)
        _migrate(database_url)
        _, queues = aws.result()
        env = function_environment(template, database_url, endpoint, queues)
        apply_environment(env)
        yield Services(database_url, endpoint, queues, env)
