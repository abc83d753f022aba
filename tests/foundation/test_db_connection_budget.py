"""How a deployed function reaches PostgreSQL: the RDS-shaped secret, RDS Proxy with IAM tokens,
and TLS that verifies the server's certificate and host name (sslmode=verify-full)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import psycopg
import pytest
from moto import mock_aws

from shared import aws, db
from shared.settings import get_settings
from tests.conftest import Configure
from tools import pg


@pytest.fixture
def secret(configure: Configure) -> Iterator[dict[str, object]]:
    """An RDS-shaped secret in (in-process) Secrets Manager, named by DATABASE_SECRET_ARN."""
    with mock_aws():
        value: dict[str, object] = {
            "username": "app user",
            "password": "p@ss/word&=",
            "host": "db.internal",
            "port": 5432,
            "dbname": "starter",
        }
        arn = boto3.client("secretsmanager").create_secret(
            Name="db", SecretString=json.dumps(value)
        )["ARN"]
        configure(DATABASE_URL=None, DATABASE_SECRET_ARN=arn, DB_PROXY_ENDPOINT=None)
        aws.reset()
        yield value
        aws.reset()


def _parts(conninfo: str) -> tuple[str, str, str, dict[str, list[str]]]:
    url = urlsplit(conninfo)
    return (
        unquote(url.username or ""),
        unquote(url.password or ""),
        url.hostname or "",
        (parse_qs(url.query)),
    )


def test_the_secret_gives_user_password_host_and_tls(secret: dict[str, object]) -> None:
    user, password, host, query = _parts(db.conninfo(get_settings()))
    assert (user, password, host) == ("app user", "p@ss/word&=", "db.internal")
    assert query == {"sslmode": ["require"]}


def test_behind_rds_proxy_the_password_is_an_iam_token(
    secret: dict[str, object], configure: Configure
) -> None:
    configure(DB_PROXY_ENDPOINT="proxy.example.internal", DB_IAM_AUTH="true")
    _, password, host, _ = _parts(db.conninfo(get_settings()))
    assert host == "proxy.example.internal"
    assert password != secret["password"]
    assert "X-Amz-Signature=" in password and "Action=connect" in password


def test_a_ca_bundle_turns_on_verify_full(
    secret: dict[str, object], configure: Configure, tmp_path: Path
) -> None:
    bundle = tmp_path / "rds-global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    configure(DB_SSL_ROOT_CERT=str(bundle))
    _, _, _, query = _parts(db.conninfo(get_settings()))
    assert query == {"sslmode": ["verify-full"], "sslrootcert": [str(bundle)]}


def test_a_missing_ca_bundle_says_how_to_get_it(
    secret: dict[str, object], configure: Configure, tmp_path: Path
) -> None:
    configure(DB_SSL_ROOT_CERT=str(tmp_path / "absent.pem"))
    with pytest.raises(RuntimeError, match="make rds-ca-bundle"):
        db.conninfo(get_settings())


# ---- a real TLS server -------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificate_authority(directory: Path, name: str) -> None:
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        f"/CN={name}",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.pem",
        cwd=directory,
    )


@pytest.fixture(scope="module")
def tls_cluster() -> Iterator[tuple[pg.Cluster, Path]]:
    """A PostgreSQL that speaks TLS with a certificate for `localhost` signed by our own CA."""
    if pg.find_bindir() is None or shutil.which("openssl") is None:
        pytest.skip("needs the PostgreSQL server binaries and openssl")
    root = Path(tempfile.mkdtemp(prefix="starter-tls-"))
    os.chmod(root, 0o755)
    certs = root / "certs"
    certs.mkdir()
    _certificate_authority(certs, "ca")
    _certificate_authority(certs, "other-ca")
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        cwd=certs,
    )
    (certs / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
        cwd=certs,
    )
    data = root / "pg"
    cluster = pg.start(data, durable=False)
    try:
        pgdata = data / "pgdata"
        for name in ("server.crt", "server.key"):
            shutil.copy(certs / name, pgdata / name)
            owner = pgdata.stat()
            os.chown(pgdata / name, owner.st_uid, owner.st_gid)
            os.chmod(pgdata / name, 0o600)
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET ssl = on")
            conn.execute("SELECT pg_reload_conf()")
        yield cluster, certs
    finally:
        pg.stop(data)
        shutil.rmtree(root, ignore_errors=True)


def _tls_url(cluster: pg.Cluster, host: str, ca: Path) -> str:
    port = psycopg.conninfo.conninfo_to_dict(cluster.url())["port"]
    return f"postgresql://postgres@{host}:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"


def test_verify_full_accepts_the_right_certificate_for_the_right_host(
    tls_cluster: tuple[pg.Cluster, Path],
) -> None:
    cluster, certs = tls_cluster
    with psycopg.connect(_tls_url(cluster, "localhost", certs / "ca.pem")) as conn:
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row == (True,)


@pytest.mark.parametrize(
    ("host", "ca", "reason"),
    [
        ("localhost", "other-ca.pem", "certificate verify failed"),
        ("127.0.0.1", "ca.pem", "does not match host name"),
    ],
)
def test_verify_full_refuses_a_wrong_authority_or_host(
    tls_cluster: tuple[pg.Cluster, Path], host: str, ca: str, reason: str
) -> None:
    cluster, certs = tls_cluster
    with pytest.raises(psycopg.OperationalError, match=reason):
        psycopg.connect(_tls_url(cluster, host, certs / ca), connect_timeout=5)
