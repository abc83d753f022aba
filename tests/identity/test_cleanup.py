"""The hourly cleanup through its Lambda handler: expired sessions and stale throttle windows."""

from __future__ import annotations

from typing import Any

from functions.cleanup.handler import handler
from shared import db
from shared.identity import sessions
from tests.users import create_user
from tools.lambda_events import FakeLambdaContext, scheduled_event


def context() -> Any:
    """A fake LambdaContext (typed loosely: the handlers declare Powertools' type)."""
    return FakeLambdaContext()


def test_cleanup_purges_and_is_safe_to_deliver_twice(database_url: str) -> None:
    user, token = create_user()
    conn = db.connection()
    conn.execute(
        """INSERT INTO sessions (user_id, token_hash, expires_at, is_active, updated_at) VALUES
           (%(u)s, repeat('a', 64), now() - interval '1 minute', true, now()),
           (%(u)s, repeat('b', 64), now() + interval '1 hour', false, now() - interval '2 days'),
           (%(u)s, repeat('c', 64), now() + interval '1 hour', false, now())""",
        {"u": user.id},
    )
    conn.execute(
        """INSERT INTO login_attempts (scope, key, failures, window_started_at) VALUES
           ('ip', '10.0.0.1', 3, now() - interval '1 day'), ('ip', '10.0.0.2', 3, now())"""
    )
    event = scheduled_event("cleanup")
    first, second = handler(event, context()), handler(event, context())
    assert (first["sessions"], first["login_attempts"]) == (2, 1)
    assert (second["sessions"], second["login_attempts"]) == (0, 0)
    hashes = [r["token_hash"] for r in conn.execute("SELECT token_hash FROM sessions")]
    assert len(hashes) == 2 and "c" * 64 in hashes  # the live session and the recently ended one
    assert sessions.session_principal(token) is not None
