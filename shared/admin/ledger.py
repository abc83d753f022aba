"""An admin's view of a user's debts ledger: the one way anyone but the owner reads it, and
every read is in the audit trail with its reason (recorded in the same transaction)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

from shared import db
from shared.identity import audit, users
from shared.identity.principal import AuthUser
from shared.ledger import contacts, transactions
from shared.ledger.schemas import Balance, ContactPage


class LedgerView(BaseModel):
    contacts: ContactPage
    balances: list[Balance]


def read(actor: AuthUser, user_id: UUID, reason: str, limit: int, cursor: str | None) -> LedgerView:
    target = users.get_user(actor, user_id)  # 404 for a user that does not exist
    with db.transaction() as conn:
        view = LedgerView(
            contacts=contacts.search(user_id, None, False, limit, cursor),
            balances=transactions.balances(user_id),
        )
        details = {"contacts": len(view.contacts.items), "cursor": cursor}
        audit.record(
            conn, actor, user_id, target.username, audit.Action.LEDGER_READ, reason, details
        )
    return view
