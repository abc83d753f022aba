-- API keys: only the SHA-256 of the key is stored; key_prefix is what users see.
CREATE TABLE api_keys (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name         TEXT NOT NULL,
    description  TEXT,
    key_hash     TEXT NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE
                 CONSTRAINT api_keys_key_hash_sha256 CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    key_prefix   TEXT NOT NULL,
    created_by   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes       TEXT[] NOT NULL
                 CONSTRAINT api_keys_scopes_valid
                 CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']),
    expires_at   TIMESTAMPTZ,
    is_active    BOOLEAN NOT NULL DEFAULT true,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_used_at TIMESTAMPTZ,
    usage_count  BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX idx_api_keys_created_by ON api_keys (created_by, created_at DESC);

CREATE TRIGGER update_api_keys_updated_at BEFORE UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
