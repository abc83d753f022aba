DROP TABLE IF EXISTS balances;
DROP TABLE IF EXISTS transactions;
DROP TABLE IF EXISTS contacts;
DROP TABLE IF EXISTS ledger_idempotency;
DROP TABLE IF EXISTS ledger_events;
DROP TABLE IF EXISTS ledger_streams;
