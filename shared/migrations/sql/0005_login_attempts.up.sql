-- Failed-login counters for brute-force throttling. Lambda has no shared memory,
-- so the counters live here: one fixed window per (scope, key), scope 'account' or 'ip'.
CREATE TABLE login_attempts (
    scope             TEXT NOT NULL CONSTRAINT login_attempts_scope CHECK (scope IN ('account', 'ip')),
    key               TEXT NOT NULL,
    failures          INTEGER NOT NULL DEFAULT 0,
    window_started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (scope, key)
);

CREATE INDEX idx_login_attempts_window ON login_attempts (window_started_at);
