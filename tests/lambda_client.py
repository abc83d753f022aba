"""Sends HTTP requests through a real Lambda handler as API Gateway HTTP API v2 events."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tools.lambda_events import FakeLambdaContext, http_api_event

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LambdaResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return json.loads(self.text)


class RequestVerbs:
    """get/post/put/delete over a `request(method, path, **kwargs)`."""

    def request(self, method: str, path: str, **kwargs: Any) -> LambdaResponse:
        raise NotImplementedError

    def get(self, path: str, **kwargs: Any) -> LambdaResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> LambdaResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> LambdaResponse:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> LambdaResponse:
        return self.request("DELETE", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> LambdaResponse:
        return self.request("PATCH", path, **kwargs)


class LambdaClient(RequestVerbs):
    def __init__(self, handler: Handler, *, token: str | None = None) -> None:
        self.handler = handler
        self.token = token

    def with_token(self, token: str | None) -> LambdaClient:
        return LambdaClient(self.handler, token=token)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | str | None = None,
        params: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | None = None,
        source_ip: str = "127.0.0.1",
    ) -> LambdaResponse:
        all_headers = {"host": "localhost", "user-agent": "pytest"}
        if self.token:
            all_headers["authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            body = json.dumps(json_body)
            all_headers["content-type"] = "application/json"
        raw = body.encode() if isinstance(body, str) else body
        if raw is not None:
            all_headers["content-length"] = str(len(raw))
        all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        query = params if isinstance(params, str) else urlencode(params or {}, doseq=True)
        event = http_api_event(
            method, path, query=query, headers=all_headers, body=raw, source_ip=source_ip
        )
        result = self.handler(event, FakeLambdaContext())
        body = result.get("body", "")
        content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        return LambdaResponse(result["statusCode"], response_headers, content)
