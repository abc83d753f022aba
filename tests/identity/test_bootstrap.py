"""The initial admin (deploy step) and `starter admin create-admin`."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from shared import db
from shared.identity.bootstrap import InitialAdminRefused
from shared.jobs import deploy
from tests.conftest import Configure
from tests.identity.conftest import Api
from tools.cli import app


def _use_password(configure: Configure, password: str) -> None:
    configure(INITIAL_ADMIN_PASSWORD=password)


def test_deploy_creates_the_admin_once(api: Api, database_url: str, configure: Configure) -> None:
    _use_password(configure, "BootstrapPass123!")
    assert deploy.apply(database_url)["InitialAdminCreated"] is True
    assert deploy.apply(database_url)["InitialAdminCreated"] is False
    login = api.login("admin", "BootstrapPass123!")
    assert login.json()["data"]["user"]["role"] == "admin"
    assert login.json()["data"]["user"]["email_verified"] is True


def test_weak_initial_password_fails_the_deploy(database_url: str, configure: Configure) -> None:
    _use_password(configure, "admin123")
    with pytest.raises(InitialAdminRefused, match="initial admin password refused"):
        deploy.apply(database_url)
    assert db.connection().execute("SELECT 1 FROM users").fetchone() is None


def test_deployed_stacks_read_the_password_from_secrets_manager(
    api: Api, database_url: str, configure: Configure
) -> None:
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(
            Name="initial-admin", SecretString="FromTheSecret123!"
        )["ARN"]
        configure(INITIAL_ADMIN_PASSWORD=None, INITIAL_ADMIN_PASSWORD_SECRET_ARN=arn)
        assert deploy.apply(database_url)["InitialAdminCreated"] is True
    assert api.login("admin", "FromTheSecret123!").status_code == 200


def test_no_password_no_admin(database_url: str, configure: Configure) -> None:
    configure(INITIAL_ADMIN_PASSWORD=None)
    assert deploy.apply(database_url)["InitialAdminCreated"] is False


def test_cli_create_admin_from_flags(api: Api) -> None:
    result = CliRunner().invoke(
        app,
        [
            "admin",
            "create-admin",
            "--username",
            "root2",
            "--email",
            "root2@example.com",
            "--password",
            "CliAdminPass123!",
        ],
    )
    assert result.exit_code == 0, result.output
    assert api.login("root2", "CliAdminPass123!").json()["data"]["user"]["role"] == "admin"


def test_cli_create_admin_interactive_and_policy(api: Api) -> None:
    weak = CliRunner().invoke(
        app, ["admin", "create-admin"], input="boss\nboss@example.com\nweak\nweak\n"
    )
    assert weak.exit_code == 1
    assert "Password must be at least 8 characters long" in weak.output
    ok = CliRunner().invoke(
        app, ["admin", "create-admin"], input="boss\nboss@example.com\nBossPass123!\nBossPass123!\n"
    )
    assert ok.exit_code == 0, ok.output
    assert api.login("boss", "BossPass123!").status_code == 200


def test_cli_create_admin_reads_the_password_from_a_pipe(api: Api) -> None:
    args = ["admin", "create-admin", "--username", "piped", "--email", "piped@example.com"]
    result = CliRunner().invoke(app, [*args, "--password-stdin"], input="PipedPass123!\n")
    assert result.exit_code == 0, result.output
    assert "PipedPass123!" not in result.output
    assert api.login("piped", "PipedPass123!").status_code == 200
