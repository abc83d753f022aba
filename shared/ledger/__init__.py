"""The debts ledger: contacts, transactions and balances as projections of a per-user event log,
and the sync protocol over that log (docs/ledger.md). This package owns those tables and their
SQL; the HTTP groups (contacts, transactions, sync) and the jobs only call it."""
