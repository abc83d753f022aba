"""What every deploy does to the database, in order. Run by MigrationFunction through the
DatabaseMigrations custom resource (template.yaml), and by hand with `{"action": "up"}`.

Each step must be idempotent: the custom resource re-runs on every deploy that changes the code.
The returned keys become the custom resource's attributes (Fn::GetAtt DatabaseMigrations.<Key>),
visible in the CloudFormation console and logs: never return secrets.
"""

from __future__ import annotations

from shared import migrations


def apply(conninfo: str) -> dict[str, object]:
    from shared.identity import bootstrap
    from shared.tasks.service import sync_task_types

    applied = migrations.up(conninfo)
    return {
        "SchemaVersion": migrations.latest_version(),
        "MigrationsApplied": [f"{m.version:04d}_{m.name}" for m in applied],
        "TaskTypes": sync_task_types(conninfo),  # the handler registry is their source of truth
        **bootstrap.initial_admin(conninfo),
    }


def status(conninfo: str) -> dict[str, object]:
    """Read-only: which migrations are applied, and whether any was edited after it was."""
    rows = migrations.status(conninfo)
    return {
        "migrations": [
            {
                "version": r.version,
                "name": r.name,
                "applied": r.applied,
                "checksum_ok": r.checksum_ok,
            }
            for r in rows
        ],
        "pending": [f"{r.version:04d}_{r.name}" for r in rows if not r.applied],
    }
