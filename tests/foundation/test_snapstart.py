"""SnapStart's after-restore hooks, called in-process as the Lambda runtime calls them."""

from __future__ import annotations

import random
import time

import snapshot_restore_py

from shared import aws, db, snapstart
from shared.health import service as health


def _runtime_restores() -> None:
    """What Lambda does after restoring an environment from its snapshot."""
    for hook, args, kwargs in snapshot_restore_py._after_restore_registry:  # type: ignore[attr-defined]
        hook(*args, **kwargs)


def test_the_hooks_are_registered_with_the_runtime() -> None:
    assert any(
        hook is snapstart.restore for hook, _, _ in snapshot_restore_py._after_restore_registry
    )  # type: ignore[attr-defined]


def test_randomness_is_reseeded() -> None:
    random.seed(42)
    snapshot_state = random.getstate()  # what every environment restored from it would share
    expected = [random.random() for _ in range(5)]
    random.setstate(snapshot_state)
    _runtime_restores()
    assert [random.random() for _ in range(5)] != expected


def test_a_connection_from_before_the_snapshot_is_dropped(database_url: str) -> None:
    before = db.connection()
    pid = before.info.backend_pid
    _runtime_restores()
    assert before.closed
    after = db.connection()
    assert after is not before
    assert after.info.backend_pid != pid
    assert after.execute("SELECT 1 AS one").fetchone() == {"one": 1}


def test_aws_clients_from_before_the_snapshot_are_dropped() -> None:
    before = aws.sqs()
    _runtime_restores()
    assert aws.sqs() is not before


def test_uptime_counts_from_the_restore() -> None:
    time.sleep(0.05)
    _runtime_restores()
    assert health.uptime_seconds() < 0.05
