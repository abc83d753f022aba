"""Test harness: a real PostgreSQL, a migrated template database, a fresh clone per test.

TEST_DATABASE_URL (a superuser URL to a running cluster, set by `make test`) is used when present;
otherwise this session starts its own cluster and stops it at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "serverless-starter")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ServerlessStarter")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
# Hypothesis (under schemathesis) keeps caches; not in the working tree.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "starter-hypothesis")
)

from shared import aws, db, migrations
from shared.settings import get_settings
from tests.tasks.sqs import Queues
from tools import pg
from tools.devstack import template
from tools.devstack.sqs import create_queues

# configure(NAME="value", OTHER=None): set (None: unset) environment variables as Lambda would;
# the next get_settings() reads them. The one way a test changes configuration.
Configure = Callable[..., None]


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """Every test reads the environment anew and leaves no cached settings behind."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Configure:
    def apply(**env: str | None) -> None:
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    return apply


def _with_db(url: str, dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=dbname)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    data_dir = Path(tempfile.mkdtemp(prefix="starter-pg-"))
    os.chmod(data_dir, 0o755)
    cluster = pg.start(data_dir, durable=False)
    try:
        yield cluster.url()
    finally:
        pg.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _migrations_digest() -> str:
    digest = hashlib.sha256()
    for m in migrations.discover():
        digest.update(m.up_sql.encode())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> str:
    """A migrated template, named after the migrations' content so edits rebuild it.
    Built under an advisory lock: pytest-xdist workers share it."""
    name = f"tmpl_{_migrations_digest()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(4242)")
        try:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                building = f"{name}_building"
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(building)))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
                migrations.up(_with_db(pg_admin_url, building))
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(building), sql.Identifier(name)
                    )
                )
        finally:
            conn.execute("SELECT pg_advisory_unlock(4242)")
    return name


@contextmanager
def _scratch_database(
    pg_admin_url: str, configure: Configure, prefix: str, template: str | None
) -> Iterator[str]:
    """Create a database (from `template` if given), point settings and shared.db at it, and
    drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(create)
    url = _with_db(pg_admin_url, name)
    configure(DATABASE_URL=url)
    db.reset()
    try:
        yield url
    finally:
        db.reset()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def database_url(pg_admin_url: str, template_db: str, configure: Configure) -> Iterator[str]:
    """A fresh database cloned from the migrated template."""
    with _scratch_database(pg_admin_url, configure, "t", template_db) as url:
        yield url


@pytest.fixture
def empty_database_url(pg_admin_url: str, configure: Configure) -> Iterator[str]:
    """A database with no migrations applied."""
    with _scratch_database(pg_admin_url, configure, "e", None) as url:
        yield url


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server over real HTTP (presigned URLs can be fetched), one per session."""
    from tools.devstack.sqs import start_moto

    port = pg.free_port()
    server = start_moto(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def unreachable_database(configure: Configure) -> Iterator[str]:
    """Settings pointing at a port where nothing listens."""
    url = f"postgresql://postgres@127.0.0.1:{pg.free_port()}/nothing"
    configure(DATABASE_URL=url)
    db.reset()
    yield url
    db.reset()


@pytest.fixture
def queues(configure: Configure) -> Iterator[Queues]:
    """template.yaml's queues in moto (in-process), created by the local stack's own code."""
    from moto import mock_aws  # imported here: only tests that send messages pay for it

    with mock_aws():
        import boto3

        client = boto3.client("sqs", region_name="us-east-1")
        created = create_queues(client, template.parse(template.load()).queues.values())
        urls = {logical_id: q.url for logical_id, q in created.items()}
        configure(
            TASK_QUEUE_URL=urls["TaskQueue"], PRIORITY_TASK_QUEUE_URL=urls["PriorityTaskQueue"]
        )
        aws.reset()
        yield Queues(client, urls)
        aws.reset()
