"""/api/v1/users: own account, and moderator/admin management of others."""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from typing import Annotated
from uuid import UUID

from fastapi import Depends
from pydantic import BaseModel, Field, StrictBool

from shared.errors import (
    Conflict,
    EmailAlreadyExists,
    NotFound,
    UserAlreadyExists,
    UsernameAlreadyExists,
)
from shared.field_rules import rule
from shared.http.envelope import Envelope, ok
from shared.http.pagination import pagination
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity import users as service
from shared.identity.dependencies import AdminUser, CurrentUser, ModeratorUser
from shared.identity.models import UserProfile
from shared.identity.principal import Role
from shared.identity.validation import email_field, password_field, username_field
from shared.paging import Page

router = group_router("/api/v1/users", "Users")

# Why a moderator/admin acted: kept in the audit trail.
Reason = Annotated[str | None, Field(max_length=1000)]


class ProfileUpdate(BaseModel):
    username: str | None = username_field(None)
    email: str | None = email_field(None)


class AdminProfileUpdate(ProfileUpdate):
    email_verified: StrictBool | None = None
    reason: Reason = None


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = password_field()


class SelfDelete(BaseModel):
    password: str
    confirmation: str = rule(enum=["DELETE"], description="The word DELETE")


class CreateUser(BaseModel):
    username: str = username_field()
    email: str = email_field()
    password: str = password_field()
    role: Role = Role.USER
    reason: Reason = None


class StatusUpdate(BaseModel):
    is_active: StrictBool
    reason: Reason = None


class RoleUpdate(BaseModel):
    role: Role
    reason: Reason = None


class PasswordReset(BaseModel):
    new_password: str = password_field()
    require_change: StrictBool = False
    reason: Reason = None


class AdminDelete(BaseModel):
    reason: Reason = None
    hard_delete: StrictBool = False


@router.get("/me/profile", summary="Your profile", responses=errors(NotFound))
async def own_profile(user: CurrentUser) -> Envelope[UserProfile]:
    return ok(service.own_profile(user))


@router.put(
    "/me/profile",
    summary="Change your username or email",
    responses=errors(NotFound, EmailAlreadyExists, UserAlreadyExists, UsernameAlreadyExists),
    openapi_extra=beyond_schema("username", "email"),
)
async def update_own_profile(user: CurrentUser, body: ProfileUpdate) -> Envelope[UserProfile]:
    return ok(service.update_own_profile(user, body.username, body.email))


@router.put(
    "/me/password",
    summary="Change your password; your other sessions end",
    responses=errors(NotFound),
    openapi_extra=beyond_schema("new_password"),
)
async def change_password(user: CurrentUser, body: PasswordChange) -> Envelope[str]:
    service.change_password(user, body.current_password, body.new_password)
    return ok(
        "Password updated successfully",
        "Password has been changed. All other sessions have been ended.",
    )


@router.delete(
    "/me",
    summary="Deactivate your account",
    responses=errors(NotFound, Conflict),
    openapi_extra=beyond_schema("password"),
)
async def delete_self(user: CurrentUser, body: SelfDelete) -> Envelope[str]:
    service.delete_self(user, body.password, body.confirmation)
    return ok(
        "Account deleted successfully",
        "Your account has been deactivated. All data will be retained for 30 days for recovery.",
    )


@router.get("", summary="List active users (moderator or admin)")
async def list_users(
    _: ModeratorUser, page: Annotated[Page, Depends(pagination(50, 100))]
) -> Envelope[list[UserProfile]]:
    return ok(service.list_users(page))


@router.post(
    "",
    summary="Create a user with any role (admin)",
    responses=errors(EmailAlreadyExists, UserAlreadyExists, UsernameAlreadyExists),
    openapi_extra=beyond_schema("username", "email", "password"),
)
async def create_user(user: AdminUser, body: CreateUser) -> Envelope[UserProfile]:
    return ok(
        service.admin_create_user(
            user, body.username, body.email, body.password, body.role, body.reason
        )
    )


@router.get(
    "/{user_id}",
    summary="A user's profile (yourself; moderators: users; admins: any)",
    responses=errors(NotFound),
)
async def get_user(user: CurrentUser, user_id: UUID) -> Envelope[UserProfile]:
    return ok(service.get_user(user, user_id))


@router.put(
    "/{user_id}/profile",
    summary="Edit any user's profile (admin)",
    responses=errors(NotFound, EmailAlreadyExists, UserAlreadyExists, UsernameAlreadyExists),
    openapi_extra=beyond_schema("username", "email"),
)
async def update_profile(
    user: AdminUser, user_id: UUID, body: AdminProfileUpdate
) -> Envelope[UserProfile]:
    return ok(
        service.admin_update_profile(
            user, user_id, body.username, body.email, body.email_verified, body.reason
        )
    )


@router.put(
    "/{user_id}/status",
    summary="Activate or deactivate a user (moderator or admin)",
    responses=errors(NotFound, Conflict),
)
async def set_status(
    user: ModeratorUser, user_id: UUID, body: StatusUpdate
) -> Envelope[UserProfile]:
    return ok(
        service.set_status(user, user_id, body.is_active, body.reason),
        "User account status updated",
    )


@router.put(
    "/{user_id}/role", summary="Change a user's role (admin)", responses=errors(NotFound, Conflict)
)
async def set_role(user: AdminUser, user_id: UUID, body: RoleUpdate) -> Envelope[UserProfile]:
    return ok(
        service.set_role(user, user_id, body.role, body.reason), "User role updated successfully"
    )


@router.post(
    "/{user_id}/reset-password",
    summary="Set a new password (moderator or admin)",
    responses=errors(NotFound),
    openapi_extra=beyond_schema("new_password"),
)
async def reset_password(user: ModeratorUser, user_id: UUID, body: PasswordReset) -> Envelope[str]:
    service.reset_password(user, user_id, body.new_password, body.require_change, body.reason)
    return ok(
        "Password reset successfully",
        "User's password has been updated. All existing sessions have been invalidated.",
    )


@router.delete(
    "/{user_id}",
    summary="Deactivate or permanently delete a user (admin)",
    responses=errors(NotFound, Conflict),
)
async def delete_user(user: AdminUser, user_id: UUID, body: AdminDelete) -> Envelope[str]:
    service.delete_user(user, user_id, body.reason, body.hard_delete)
    return ok(
        "User account deleted successfully",
        "User account has been deactivated. Data retained for 30 days for recovery.",
    )
