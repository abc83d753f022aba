"""Clients for the identity groups' real Lambda handlers, and shortcuts the tests share."""

from __future__ import annotations

from typing import Any

import pytest

from functions.admin.handler import handler as admin_handler
from functions.auth.handler import handler as auth_handler
from functions.users.handler import handler as users_handler
from tests.lambda_client import LambdaClient, LambdaResponse, RequestVerbs

PASSWORD = "SecurePass123!"


class Api(RequestVerbs):
    """One client per group, routed by path prefix like API Gateway does."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self._clients = {
            "auth": LambdaClient(auth_handler, token=token),
            "users": LambdaClient(users_handler, token=token),
            "admin": LambdaClient(admin_handler, token=token),
        }

    def as_(self, token: str | None) -> Api:
        return Api(token)

    def request(self, method: str, path: str, **kwargs: Any) -> LambdaResponse:
        group = path.removeprefix("/api/v1/").split("/")[0]
        return self._clients[group].request(method, path, **kwargs)

    def register(
        self, username: str, email: str | None = None, password: str = PASSWORD
    ) -> LambdaResponse:
        return self.post(
            "/api/v1/auth/register",
            json_body={
                "username": username,
                "email": f"{username}@example.com" if email is None else email,
                "password": password,
            },
        )

    def login(
        self,
        username: str,
        password: str = PASSWORD,
        *,
        user_agent: str | None = None,
        source_ip: str = "127.0.0.1",
    ) -> LambdaResponse:
        body = {"username": username, "password": password, "user_agent": user_agent}
        return self.post("/api/v1/auth/login", json_body=body, source_ip=source_ip)

    def token_for(self, username: str, password: str = PASSWORD) -> str:
        response = self.login(username, password)
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["session_token"])


@pytest.fixture
def api(database_url: str) -> Api:
    return Api()


def error(response: LambdaResponse) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["message"]
