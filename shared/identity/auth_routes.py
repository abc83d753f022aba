"""/api/v1/auth: register, login, logout(-all), me, refresh, sessions, API keys."""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from uuid import UUID

from fastapi import Request
from pydantic import BaseModel, Field

from shared.errors import (
    Conflict,
    EmailAlreadyExists,
    InvalidCredentials,
    NotFound,
    TooManyRequests,
    UserAlreadyExists,
    UsernameAlreadyExists,
)
from shared.field_rules import NOT_BLANK, rule
from shared.http.envelope import Envelope, ok
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity import api_keys, sessions
from shared.identity import authentication as service
from shared.identity.dependencies import CurrentUser, client_ip, require_session
from shared.identity.models import ActiveSession, ApiKey, CreatedApiKey, UserProfile
from shared.identity.principal import ApiKeyScope, Role
from shared.identity.validation import email_field, password_field, username_field
from shared.timestamps import IsoDatetime, Timestamp

router = group_router("/api/v1/auth", "Authentication")

REFRESH_TOO_SOON = "Cannot refresh token yet. Please wait before requesting another refresh."


class RegisterRequest(BaseModel):
    username: str = username_field()
    email: str = email_field()
    password: str = password_field()


class LoginRequest(BaseModel):
    """Exactly one of `username` and `email`."""

    username: str | None = username_field(None)
    email: str | None = email_field(None)
    password: str = rule(min_length=1)
    user_agent: str | None = Field(default=None, max_length=512)


class LoginResponse(BaseModel):
    session_token: str
    expires_at: Timestamp
    user: UserProfile


class Me(BaseModel):
    id: UUID
    username: str
    email: str
    role: Role


class Refreshed(BaseModel):
    expires_at: Timestamp
    refreshed_at: Timestamp


class ApiKeyRequest(BaseModel):
    name: str = rule(min_length=1, max_length=100, pattern=NOT_BLANK)
    description: str | None = rule(None, max_length=500)
    scopes: list[ApiKeyScope] = Field(min_length=1)
    expires_at: IsoDatetime | None = None


@router.post(
    "/register",
    summary="Create an account (role user); does not log in",
    responses=errors(EmailAlreadyExists, UserAlreadyExists, UsernameAlreadyExists),
    openapi_extra=beyond_schema("username", "email", "password"),
)
async def register(body: RegisterRequest) -> Envelope[UserProfile]:
    return ok(service.register(body.username, body.email, body.password))


@router.post(
    "/login",
    summary="Log in by username or email",
    responses=errors(InvalidCredentials, TooManyRequests),
    openapi_extra=beyond_schema("login", "username", "email"),
)
async def login(body: LoginRequest, request: Request) -> Envelope[LoginResponse]:
    result = service.login(
        username=body.username,
        email=body.email,
        password=body.password,
        user_agent=body.user_agent,
        client_ip=client_ip(request),
    )
    return ok(
        LoginResponse(
            session_token=result.session_token, expires_at=result.expires_at, user=result.user
        )
    )


@router.post("/logout", summary="End the current session")
async def logout(user: CurrentUser) -> Envelope[str]:
    sessions.end_session(user.id, require_session(user))
    return ok("Logged out successfully")


@router.post("/logout-all", summary="End every session of the caller, this one included")
async def logout_all(user: CurrentUser) -> Envelope[str]:
    require_session(user)
    ended = sessions.end_all_sessions(user.id)
    return ok("Logged out from all devices", f"Ended {ended} session(s)")


@router.get("/me", summary="The caller")
async def me(user: CurrentUser) -> Envelope[Me]:
    return ok(Me(id=user.id, username=user.username, email=user.email, role=user.role))


@router.post(
    "/refresh",
    summary="Extend the current session (at most every 5 minutes)",
    responses=errors(Conflict),
)
async def refresh(user: CurrentUser) -> Envelope[Refreshed]:
    refreshed = sessions.refresh(require_session(user))
    if refreshed is None:
        raise Conflict(REFRESH_TOO_SOON)
    return ok(Refreshed(expires_at=refreshed[0], refreshed_at=refreshed[1]))


@router.get("/sessions", summary="The caller's active sessions (never their tokens)")
async def list_sessions(user: CurrentUser) -> Envelope[list[ActiveSession]]:
    return ok(sessions.active_sessions(user.id, user.session_id))


@router.delete(
    "/sessions/{session_id}",
    summary="End one of the caller's sessions",
    responses=errors(NotFound),
)
async def end_session(user: CurrentUser, session_id: UUID) -> Envelope[str]:
    require_session(user)
    if not sessions.end_session(user.id, session_id):
        raise NotFound("Session not found")
    return ok("Session ended")


@router.post(
    "/api-keys",
    summary="Create an API key; the full key is returned only here",
    openapi_extra=beyond_schema("expires_at", "api_keys"),
)
async def create_api_key(user: CurrentUser, body: ApiKeyRequest) -> Envelope[CreatedApiKey]:
    require_session(user)
    return ok(api_keys.create(user, body.name, body.description, body.scopes, body.expires_at))


@router.get("/api-keys", summary="The caller's API keys (never the keys themselves)")
async def list_api_keys(user: CurrentUser) -> Envelope[list[ApiKey]]:
    return ok(api_keys.list_keys(user))


class RevokedKeys(BaseModel):
    revoked: int


@router.delete("/api-keys", summary="Revoke every API key of the caller")
async def revoke_all_api_keys(user: CurrentUser) -> Envelope[RevokedKeys]:
    require_session(user)
    return ok(RevokedKeys(revoked=api_keys.revoke_all(user)))


@router.delete(
    "/api-keys/{key_id}", summary="Revoke one of the caller's API keys", responses=errors(NotFound)
)
async def revoke_api_key(user: CurrentUser, key_id: UUID) -> Envelope[str]:
    require_session(user)
    api_keys.revoke(user, key_id)
    return ok("API key revoked")
