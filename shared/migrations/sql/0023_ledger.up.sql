-- The debts ledger (docs/ledger.md). The event log is the source of truth; contacts,
-- transactions and balances are projections written in the same transaction as the events,
-- and `starter ledger rebuild` derives them again from the log.

-- One row per user: its row lock serialises the user's writers, and `last_sequence` numbers the
-- user's events densely, so a pull cursor never skips an event committed late.
CREATE TABLE ledger_streams (
    user_id       UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_sequence BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE ledger_events (
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sequence    BIGINT NOT NULL,
    entity      TEXT NOT NULL CONSTRAINT ledger_events_entity
                CHECK (entity IN ('contact', 'transaction')),
    entity_id   UUID NOT NULL,
    version     INTEGER NOT NULL CONSTRAINT ledger_events_version CHECK (version >= 1),
    type        TEXT NOT NULL,
    payload     JSONB NOT NULL CONSTRAINT ledger_events_payload
                CHECK (jsonb_typeof(payload) = 'object'),
    device_id   TEXT,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, sequence)
);
CREATE INDEX idx_ledger_events_entity ON ledger_events (user_id, entity_id, sequence);

-- A pushed change's result, replayed verbatim when the same key comes again.
CREATE TABLE ledger_idempotency (
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result       JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idx_ledger_idempotency_created ON ledger_idempotency (created_at);

-- Ids are the clients' (offline creation), so every key starts with the owner: another user's
-- id can neither collide nor be probed.
CREATE TABLE contacts (
    owner_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id         UUID NOT NULL,
    name       TEXT NOT NULL CONSTRAINT contacts_name_length
               CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    email      TEXT,
    phone      TEXT,
    note       TEXT,
    version    INTEGER NOT NULL,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner_id, id)
);
CREATE INDEX idx_contacts_owner_name ON contacts (owner_id, lower(name), id);
CREATE INDEX idx_contacts_deleted ON contacts (deleted_at) WHERE deleted_at IS NOT NULL;

-- Money is an integer count of the currency's minor unit; a settlement is a transaction that
-- settles another one, in the opposite direction.
CREATE TABLE transactions (
    owner_id       UUID NOT NULL,
    id             UUID NOT NULL,
    contact_id     UUID NOT NULL,
    direction      TEXT NOT NULL CONSTRAINT transactions_direction
                   CHECK (direction IN ('lent', 'borrowed')),
    amount         BIGINT NOT NULL CONSTRAINT transactions_amount CHECK (amount > 0),
    currency       CHAR(3) NOT NULL CONSTRAINT transactions_currency
                   CHECK (currency ~ '^[A-Z]{3}$'),
    description    TEXT NOT NULL DEFAULT '',
    occurred_at    TIMESTAMPTZ NOT NULL,
    due_at         TIMESTAMPTZ,
    settles_id     UUID,
    settled_amount BIGINT NOT NULL DEFAULT 0,
    settled_at     TIMESTAMPTZ,
    version        INTEGER NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner_id, id),
    FOREIGN KEY (owner_id, contact_id) REFERENCES contacts (owner_id, id) ON DELETE CASCADE,
    FOREIGN KEY (owner_id, settles_id) REFERENCES transactions (owner_id, id) ON DELETE CASCADE,
    CONSTRAINT transactions_settled CHECK (settled_amount BETWEEN 0 AND amount)
);
CREATE INDEX idx_transactions_page ON transactions (owner_id, occurred_at DESC, id DESC);
CREATE INDEX idx_transactions_contact ON transactions (owner_id, contact_id, currency);
CREATE INDEX idx_transactions_settles ON transactions (owner_id, settles_id)
    WHERE settles_id IS NOT NULL;
CREATE INDEX idx_transactions_due ON transactions (owner_id, due_at) WHERE due_at IS NOT NULL;

-- Net per contact and currency: positive, the contact owes the user.
CREATE TABLE balances (
    owner_id   UUID NOT NULL,
    contact_id UUID NOT NULL,
    currency   CHAR(3) NOT NULL,
    net        BIGINT NOT NULL,
    PRIMARY KEY (owner_id, contact_id, currency),
    FOREIGN KEY (owner_id, contact_id) REFERENCES contacts (owner_id, id) ON DELETE CASCADE
);
