-- Sessions hold the SHA-256 (hex) of the bearer token, never the token.
CREATE TABLE sessions (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash        TEXT NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE
                      CONSTRAINT sessions_token_hash_sha256 CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    expires_at        TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_activity_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_refreshed_at TIMESTAMPTZ,
    user_agent        TEXT,
    is_active         BOOLEAN NOT NULL DEFAULT true
);

CREATE INDEX idx_sessions_user_active ON sessions (user_id) WHERE is_active;
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);

CREATE TRIGGER update_sessions_updated_at BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
