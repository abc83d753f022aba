-- Who did what to whom, and why. No foreign keys: the trail outlives hard deletes,
-- so usernames are kept as they were at the time of the action.
CREATE TABLE audit_log (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    actor_id        UUID,
    actor_username  TEXT,
    actor_role      TEXT,
    target_id       UUID,
    target_username TEXT,
    action          TEXT NOT NULL,
    reason          TEXT,
    details         JSONB NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_audit_log_created_at ON audit_log (created_at DESC);
CREATE INDEX idx_audit_log_actor ON audit_log (actor_id, created_at DESC);
CREATE INDEX idx_audit_log_target ON audit_log (target_id, created_at DESC);
CREATE INDEX idx_audit_log_action ON audit_log (action, created_at DESC);
