"""The reminders run (ReminderDispatchFunction, EventBridge every 5 minutes; locally
`starter local trigger reminders`).

In one transaction it claims the due reminders (FOR UPDATE SKIP LOCKED: an overlapping run skips
them), writes one notification task per email and per device, and moves each reminder to its
next occurrence. Only after the commit are the tasks sent to the queue, so a reminder is sent
exactly once however runs overlap, and a rolled-back run leaves no task behind. Delivery belongs
to the task engine: a failed send retries with its backoff and never holds up other reminders.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from uuid import UUID

from shared import db
from shared.devices.service import endpoints
from shared.errors import AppError
from shared.identity.users import email_addresses
from shared.ledger import transactions
from shared.ledger.money import format_amount
from shared.ledger.transactions import Debt
from shared.monitoring.system_events import record_counts
from shared.observability import logger
from shared.reminders.service import DueReminder, advance, claim_due, retire
from shared.settings import get_settings
from shared.tasks import service as tasks
from shared.tasks.schemas import TaskOut

TITLE = "Debt reminder"


@dataclass(frozen=True, slots=True)
class RunSummary:
    claimed: int
    sent: int  # reminders that produced at least one notification
    notifications: int  # tasks queued: one per email, one per device
    failed: int  # due, but nothing could be sent (no address, no device)
    retired: int  # the transaction is settled or gone


def text(reminder: DueReminder, debt: Debt) -> str:
    if reminder.message:
        return reminder.message
    t, name = debt.transaction, debt.contact_name
    amount = format_amount(t.open_amount, t.currency)
    who = f"{name} owes you {amount}" if t.direction == "lent" else f"You owe {name} {amount}"
    due = f" (due {t.due_at:%Y-%m-%d})" if t.due_at else ""
    return f"{who}{due}. {t.description}".strip().removesuffix(".") + "."


def run() -> RunSummary:
    queued: list[TaskOut] = []
    with db.transaction() as conn:
        due, now = claim_due(conn, get_settings().ledger.reminders_batch_size)
        owners = list({r.owner_id for r in due})
        addresses = email_addresses(owners) if owners else {}
        devices = endpoints(owners) if owners else {}
        outcomes: list[tuple[DueReminder, bool]] = []
        retired: list[UUID] = []
        found = transactions.debts([(r.owner_id, r.transaction_id) for r in due])
        for reminder in due:
            debt = found.get((reminder.owner_id, reminder.transaction_id))
            if debt is None or debt.transaction.open_amount == 0:
                retired.append(reminder.id)
                continue
            body = text(reminder, debt)
            try:
                made = _notify(reminder, body, addresses.get(reminder.owner_id), devices)
            except AppError:  # e.g. an address the email handler refuses
                logger.exception("reminder not sent", extra={"reminder_id": str(reminder.id)})
                made = []
            queued += made
            outcomes.append((reminder, bool(made)))  # unsendable now: on to the next occurrence
        advance(conn, outcomes, now)
        retire(conn, retired)
        sent = sum(delivered for _, delivered in outcomes)
        summary = RunSummary(len(due), sent, len(queued), len(outcomes) - sent, len(retired))
        record_counts(
            {"ledger_reminders_sent": summary.sent, "ledger_reminders_failed": summary.failed}
        )
    tasks.send(queued)
    logger.info("reminders run", extra=asdict(summary))
    return summary


def _notify(
    reminder: DueReminder, body: str, address: str | None, devices: dict[UUID, list[str]]
) -> list[TaskOut]:
    made: list[TaskOut] = []
    key = {"reminder_id": str(reminder.id), "occurrence": reminder.next_run_at.isoformat()}
    if "email" in reminder.channels and address:
        made.append(
            tasks.submit(
                "email",
                {"to": address, "subject": TITLE, "body": body},
                metadata=key,
                created_by=reminder.owner_id,
                send_now=False,
            )
        )
    if "push" in reminder.channels:
        for endpoint in devices.get(reminder.owner_id, []):
            made.append(
                tasks.submit(
                    "push",
                    {"endpoint": endpoint, "title": TITLE, "body": body},
                    metadata=key,
                    created_by=reminder.owner_id,
                    send_now=False,
                )
            )
    return made
