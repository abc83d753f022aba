"""The ledger's daily clean-up (LedgerCleanupFunction, EventBridge at 02:00 UTC), run like the
hourly one: idempotent steps, each count a metric (`ledger_cleanup_<step>_removed`)."""

from __future__ import annotations

from collections.abc import Callable

from shared.jobs import cleanup
from shared.ledger.cleanup import purge_deleted_contacts, purge_idempotency_keys
from shared.reminders.service import purge_sent_once

STEPS: dict[str, Callable[[], int]] = {
    "contacts": purge_deleted_contacts,
    "idempotency_keys": purge_idempotency_keys,
    "sent_reminders": purge_sent_once,
}


def run() -> dict[str, int]:
    return cleanup.run(STEPS, "ledger_cleanup")
