-- Reminders of the debts ledger: about one transaction, once, daily or weekly, by email and/or
-- push. The 5-minute schedule claims due rows with FOR UPDATE SKIP LOCKED.
-- No foreign key to transactions: rebuilding the ledger's projections must not take reminders
-- with it. The schedule retires a reminder whose transaction is gone or settled.
CREATE TABLE reminders (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    transaction_id UUID NOT NULL,
    recurrence    TEXT NOT NULL CONSTRAINT reminders_recurrence
                  CHECK (recurrence IN ('once', 'daily', 'weekly')),
    channels      TEXT[] NOT NULL CONSTRAINT reminders_channels
                  CHECK (cardinality(channels) >= 1 AND channels <@ ARRAY['email', 'push']),
    message       TEXT NOT NULL DEFAULT '' CONSTRAINT reminders_message_length
                  CHECK (char_length(message) <= 500),
    next_run_at   TIMESTAMPTZ,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    sent_count    INTEGER NOT NULL DEFAULT 0,
    last_sent_at  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT reminders_scheduled CHECK (NOT active OR next_run_at IS NOT NULL)
);

CREATE INDEX idx_reminders_due ON reminders (next_run_at) WHERE active;
CREATE INDEX idx_reminders_owner ON reminders (owner_id, created_at, id);
CREATE INDEX idx_reminders_sent_once ON reminders (last_sent_at)
    WHERE recurrence = 'once' AND NOT active;

CREATE TRIGGER reminders_updated_at BEFORE UPDATE ON reminders
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
