"""Deploy step: the initial admin, from the INITIAL_ADMIN_PASSWORD_SECRET_ARN secret (or
INITIAL_ADMIN_PASSWORD in dev/test)."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from shared import secrets
from shared.errors import ValidationFailed
from shared.identity import users as service
from shared.observability import logger
from shared.settings import get_settings


class InitialAdminRefused(RuntimeError):
    pass


def initial_admin(conninfo: str) -> dict[str, object]:
    """Idempotent: does nothing once any admin exists. A password that fails the policy fails
    the deploy, with the policy's message."""
    identity = get_settings().identity
    password = secrets.inline_or_secret(
        identity.initial_admin_password, identity.initial_admin_password_secret_arn
    )
    if not password:
        return {"InitialAdminCreated": False}
    with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as conn:
        try:
            created = service.ensure_initial_admin(conn, password)
        except ValidationFailed as error:
            raise InitialAdminRefused(f"initial admin password refused: {error.message}") from None
    if created is not None:
        logger.info("initial admin created", extra={"username": created.username})
    return {"InitialAdminCreated": created is not None}
