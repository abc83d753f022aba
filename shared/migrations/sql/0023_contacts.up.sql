-- Contacts (starter generate module contact --template production).
CREATE TABLE contacts (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name          TEXT NOT NULL CONSTRAINT contacts_name_length
                  CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    description   TEXT CONSTRAINT contacts_description_length
                  CHECK (char_length(description) <= 2000),
    status        TEXT NOT NULL DEFAULT 'active' CONSTRAINT contacts_status
                  CHECK (status IN ('active', 'inactive', 'pending', 'archived')),
    priority      INTEGER NOT NULL DEFAULT 0 CONSTRAINT contacts_priority
                  CHECK (priority BETWEEN 0 AND 100),
    metadata      JSONB NOT NULL DEFAULT '{}' CONSTRAINT contacts_metadata_object
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
CREATE INDEX idx_contacts_created ON contacts (created_at, id);
CREATE INDEX idx_contacts_updated ON contacts (updated_at, id);
CREATE INDEX idx_contacts_name ON contacts (name, id);
CREATE INDEX idx_contacts_priority ON contacts (priority, id);
CREATE INDEX idx_contacts_owner ON contacts (created_by, created_at, id);
CREATE INDEX idx_contacts_status ON contacts (status);
CREATE INDEX idx_contacts_metadata ON contacts USING GIN (metadata jsonb_path_ops);
CREATE INDEX idx_contacts_search ON contacts USING GIN (search_vector);

CREATE TRIGGER contacts_updated_at BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
