"""Deploy step: the initial admin from INITIAL_ADMIN_PASSWORD."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from shared.errors import ValidationFailed
from shared.identity import users as service
from shared.observability import logger
from shared.settings import get_settings


class InitialAdminRefused(RuntimeError):
    pass


def initial_admin(conninfo: str) -> dict[str, object]:
    """Idempotent: does nothing once any admin exists. A password that fails the policy fails
    the deploy, with the policy's message."""
    password = get_settings().identity.initial_admin_password
    if not password:
        return {"InitialAdminCreated": False}
    with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as conn:
        try:
            created = service.ensure_initial_admin(conn, password)
        except ValidationFailed as error:
            raise InitialAdminRefused(f"INITIAL_ADMIN_PASSWORD refused: {error.message}") from None
    if created is not None:
        logger.info("initial admin created", extra={"username": created.username})
    return {"InitialAdminCreated": created is not None}
