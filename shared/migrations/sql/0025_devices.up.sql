-- Devices (starter generate module device --template production).
CREATE TABLE devices (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name          TEXT NOT NULL CONSTRAINT devices_name_length
                  CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    description   TEXT CONSTRAINT devices_description_length
                  CHECK (char_length(description) <= 2000),
    status        TEXT NOT NULL DEFAULT 'active' CONSTRAINT devices_status
                  CHECK (status IN ('active', 'inactive', 'pending', 'archived')),
    priority      INTEGER NOT NULL DEFAULT 0 CONSTRAINT devices_priority
                  CHECK (priority BETWEEN 0 AND 100),
    metadata      JSONB NOT NULL DEFAULT '{}' CONSTRAINT devices_metadata_object
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
CREATE INDEX idx_devices_created ON devices (created_at, id);
CREATE INDEX idx_devices_updated ON devices (updated_at, id);
CREATE INDEX idx_devices_name ON devices (name, id);
CREATE INDEX idx_devices_priority ON devices (priority, id);
CREATE INDEX idx_devices_owner ON devices (created_by, created_at, id);
CREATE INDEX idx_devices_status ON devices (status);
CREATE INDEX idx_devices_metadata ON devices USING GIN (metadata jsonb_path_ops);
CREATE INDEX idx_devices_search ON devices USING GIN (search_vector);

CREATE TRIGGER devices_updated_at BEFORE UPDATE ON devices
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
