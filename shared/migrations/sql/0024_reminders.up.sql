-- Reminders (starter generate module reminder --template production).
CREATE TABLE reminders (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name          TEXT NOT NULL CONSTRAINT reminders_name_length
                  CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    description   TEXT CONSTRAINT reminders_description_length
                  CHECK (char_length(description) <= 2000),
    status        TEXT NOT NULL DEFAULT 'active' CONSTRAINT reminders_status
                  CHECK (status IN ('active', 'inactive', 'pending', 'archived')),
    priority      INTEGER NOT NULL DEFAULT 0 CONSTRAINT reminders_priority
                  CHECK (priority BETWEEN 0 AND 100),
    metadata      JSONB NOT NULL DEFAULT '{}' CONSTRAINT reminders_metadata_object
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
CREATE INDEX idx_reminders_created ON reminders (created_at, id);
CREATE INDEX idx_reminders_updated ON reminders (updated_at, id);
CREATE INDEX idx_reminders_name ON reminders (name, id);
CREATE INDEX idx_reminders_priority ON reminders (priority, id);
CREATE INDEX idx_reminders_owner ON reminders (created_by, created_at, id);
CREATE INDEX idx_reminders_status ON reminders (status);
CREATE INDEX idx_reminders_metadata ON reminders USING GIN (metadata jsonb_path_ops);
CREATE INDEX idx_reminders_search ON reminders USING GIN (search_vector);

CREATE TRIGGER reminders_updated_at BEFORE UPDATE ON reminders
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
