"""Reminders (/api/v1/reminders) about a ledger transaction: once, daily or weekly, by email
and/or push. shared.ledger_jobs sends the due ones every 5 minutes. Scaffolded with
`starter generate module reminder --template production`."""
