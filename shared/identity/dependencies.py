"""The one authentication dependency every group uses, and the role guards built on it.

`Authorization: Bearer <token>` (exact, case-sensitive prefix) carries either a
session token or an API key (`sk_live_...`). One database round trip resolves the principal.
Guard order: authentication first (401), then role (403).
"""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from shared.errors import Forbidden, Unauthorized
from shared.http.routing import raises
from shared.identity import sessions, tokens
from shared.identity.principal import ApiKeyScope, AuthUser, Role
from shared.observability import logger

BEARER_PREFIX = "Bearer "
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MODERATOR_REQUIRED = "Access denied: moderator role or higher required"
ADMIN_REQUIRED = "Admin access required"
SCOPE_DENIED = "API key scope does not allow this request"
SESSION_REQUIRED = "This operation requires a session token, not an API key"


class _BearerAuth(SecurityBase):
    """Declares `bearer_auth` in OpenAPI and hands over the raw header: the exact prefix
    rules are stricter than HTTPBearer's case-insensitive parsing."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(description="Session token or API key (sk_live_...)")
        self.scheme_name = "bearer_auth"

    async def __call__(self, request: Request) -> str | None:
        return request.headers.get("authorization")


_bearer = _BearerAuth()


@raises(Unauthorized, Forbidden)  # Forbidden: an API key without the write scope
async def current_user(
    request: Request, authorization: Annotated[str | None, Depends(_bearer)]
) -> AuthUser:
    if not authorization or not authorization.startswith(BEARER_PREFIX):
        raise Unauthorized()
    secret = authorization[len(BEARER_PREFIX) :]
    if not secret:
        raise Unauthorized()
    safe = request.method in SAFE_METHODS
    if tokens.is_api_key(secret):
        principal = sessions.api_key_principal(secret, safe_method=safe)
    else:
        principal = sessions.session_principal(secret)
    if principal is None:
        raise Unauthorized()
    logger.append_keys(user_id=str(principal.id))  # every later log line of this request
    if (
        principal.api_key_id is not None
        and not safe
        and not principal.scopes & {ApiKeyScope.WRITE, ApiKeyScope.ADMIN}
    ):
        raise Forbidden(SCOPE_DENIED)
    return principal


CurrentUser = Annotated[AuthUser, Depends(current_user)]


def require_role(role: Role, message: str) -> Callable[..., Awaitable[AuthUser]]:
    """A dependency: the caller, if at least `role`; else 403 with `message`. An API key
    reaches a role above `user` only through the admin scope, see sessions.api_key_principal."""

    @raises(Forbidden)
    async def guard(user: CurrentUser) -> AuthUser:
        if not user.at_least(role):
            raise Forbidden(message)
        return user

    return guard


ModeratorUser = Annotated[AuthUser, Depends(require_role(Role.MODERATOR, MODERATOR_REQUIRED))]
AdminUser = Annotated[AuthUser, Depends(require_role(Role.ADMIN, ADMIN_REQUIRED))]


def require_session(user: AuthUser) -> UUID:
    """The caller's session id; API keys cannot manage sessions or mint keys."""
    if user.session_id is None:
        raise Forbidden(SESSION_REQUIRED)
    return user.session_id


def client_ip(request: Request) -> str | None:
    """The caller's IP as API Gateway saw it (HTTP API v2 event), else the ASGI client."""
    event: dict[str, Any] = request.scope.get("aws.event") or {}
    source = ((event.get("requestContext") or {}).get("http") or {}).get("sourceIp")
    if source:
        return str(source)
    return request.client.host if request.client else None
