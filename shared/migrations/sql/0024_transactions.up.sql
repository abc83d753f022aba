-- Transactions (starter generate module transaction --template production).
CREATE TABLE transactions (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name          TEXT NOT NULL CONSTRAINT transactions_name_length
                  CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    description   TEXT CONSTRAINT transactions_description_length
                  CHECK (char_length(description) <= 2000),
    status        TEXT NOT NULL DEFAULT 'active' CONSTRAINT transactions_status
                  CHECK (status IN ('active', 'inactive', 'pending', 'archived')),
    priority      INTEGER NOT NULL DEFAULT 0 CONSTRAINT transactions_priority
                  CHECK (priority BETWEEN 0 AND 100),
    metadata      JSONB NOT NULL DEFAULT '{}' CONSTRAINT transactions_metadata_object
                  CHECK (jsonb_typeof(metadata) = 'object'),
    created_by    UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- Full-text search over name and description ('simple': no language-specific stemming).
    search_vector TSVECTOR GENERATED ALWAYS AS (
        to_tsvector('simple', name || ' ' || coalesce(description, ''))
    ) STORED
);

-- One index per sort key (keyset pagination ends every order with id), the owner filter,
-- metadata containment and full-text search.
CREATE INDEX idx_transactions_created ON transactions (created_at, id);
CREATE INDEX idx_transactions_updated ON transactions (updated_at, id);
CREATE INDEX idx_transactions_name ON transactions (name, id);
CREATE INDEX idx_transactions_priority ON transactions (priority, id);
CREATE INDEX idx_transactions_owner ON transactions (created_by, created_at, id);
CREATE INDEX idx_transactions_status ON transactions (status);
CREATE INDEX idx_transactions_metadata ON transactions USING GIN (metadata jsonb_path_ops);
CREATE INDEX idx_transactions_search ON transactions USING GIN (search_vector);

CREATE TRIGGER transactions_updated_at BEFORE UPDATE ON transactions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
