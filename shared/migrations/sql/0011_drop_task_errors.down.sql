CREATE TABLE task_errors (
    id          BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    source      TEXT NOT NULL,
    task_id     UUID,
    message_id  TEXT,
    error       TEXT NOT NULL,
    body        TEXT
);

CREATE INDEX idx_task_errors_occurred_at ON task_errors (occurred_at);
