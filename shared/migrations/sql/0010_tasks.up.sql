-- Task engine. The handler registry in code is the source of
-- truth for task types; deploy/migrate syncs it into task_types.
CREATE TABLE task_types (
    task_type   TEXT PRIMARY KEY,
    description TEXT,
    is_active   BOOLEAN NOT NULL DEFAULT true,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TRIGGER update_task_types_updated_at BEFORE UPDATE ON task_types
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE tasks (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_type        TEXT NOT NULL CONSTRAINT fk_tasks_task_type REFERENCES task_types (task_type),
    payload          JSONB NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL DEFAULT 'pending'
                     CONSTRAINT valid_task_status CHECK (status IN
                         ('pending', 'running', 'completed', 'failed', 'cancelled', 'retrying')),
    priority         TEXT NOT NULL DEFAULT 'normal'
                     CONSTRAINT valid_task_priority CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    -- Numeric rank so ORDER BY sorts critical > high > normal > low (text would sort alphabetically).
    priority_rank    SMALLINT GENERATED ALWAYS AS (
                         CASE priority WHEN 'critical' THEN 3 WHEN 'high' THEN 2
                                       WHEN 'normal' THEN 1 ELSE 0 END) STORED,
    retry_strategy   JSONB NOT NULL DEFAULT '{}',
    max_attempts     INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 20),
    current_attempt  INTEGER NOT NULL DEFAULT 0 CHECK (current_attempt >= 0),
    timeout_seconds  INTEGER NOT NULL DEFAULT 300 CHECK (timeout_seconds BETWEEN 1 AND 900),
    last_error       TEXT,
    result           JSONB,
    metadata         JSONB NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    scheduled_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    started_at       TIMESTAMPTZ,
    completed_at     TIMESTAMPTZ,
    created_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    -- Outbox: NULL while a pending/retrying task still has to be handed to SQS.
    enqueued_at      TIMESTAMPTZ,
    -- A running task belongs to its worker until then; afterwards it may be reclaimed.
    lease_expires_at TIMESTAMPTZ
);

CREATE TRIGGER update_tasks_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE INDEX idx_tasks_list ON tasks (priority_rank DESC, created_at, id);
CREATE INDEX idx_tasks_status ON tasks (status);
CREATE INDEX idx_tasks_task_type ON tasks (task_type);
CREATE INDEX idx_tasks_created_by ON tasks (created_by, priority_rank DESC, created_at)
    WHERE created_by IS NOT NULL;
CREATE INDEX idx_tasks_unsent ON tasks (scheduled_at)
    WHERE status IN ('pending', 'retrying') AND enqueued_at IS NULL;
CREATE INDEX idx_tasks_due ON tasks (scheduled_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX idx_tasks_leases ON tasks (lease_expires_at) WHERE status = 'running';
CREATE INDEX idx_tasks_finished ON tasks (completed_at)
    WHERE status IN ('completed', 'failed', 'cancelled');

-- One row per execution attempt.
CREATE TABLE task_attempts (
    task_id     UUID NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    outcome     TEXT NOT NULL CONSTRAINT valid_task_attempt_outcome CHECK (outcome IN
                    ('success', 'permanent_error', 'transient_error', 'timeout',
                     'lease_expired', 'delivery_failed')),
    error       TEXT,
    duration_ms INTEGER,
    PRIMARY KEY (task_id, attempt)
);

-- Circuit breaker per task type, shared by every concurrent worker. 'half_open' is derived:
-- an 'open' row whose open_until has passed.
CREATE TABLE task_circuit_breakers (
    task_type       TEXT PRIMARY KEY REFERENCES task_types (task_type) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'closed'
                    CONSTRAINT valid_breaker_state CHECK (state IN ('closed', 'open', 'half_open')),
    failure_count   INTEGER NOT NULL DEFAULT 0,  -- consecutive failures while closed
    success_count   INTEGER NOT NULL DEFAULT 0,  -- successes while half-open
    total_failures  BIGINT NOT NULL DEFAULT 0,
    total_successes BIGINT NOT NULL DEFAULT 0,
    opened_at       TIMESTAMPTZ,
    open_until      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Errors that belong to no attempt: malformed queue messages and dead-lettered deliveries.
-- The hook for monitoring's error events (shared/tasks/error_log.py).
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

-- Records one worker batch's outcomes for a task type, atomically (row lock), so concurrent
-- workers share one breaker. failures/successes: the batch's counts; trailing: failures after
-- the batch's last success. Transitions: closed -(N consecutive failures)->
-- open -(open period over)-> half_open -(M successes)-> closed; a failure in half_open re-opens.
CREATE FUNCTION task_breaker_record(
    p_type TEXT, p_failures INTEGER, p_successes INTEGER, p_trailing INTEGER,
    p_failure_threshold INTEGER, p_success_threshold INTEGER, p_open_seconds DOUBLE PRECISION
) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    cb task_circuit_breakers;
    next_state TEXT;
BEGIN
    INSERT INTO task_circuit_breakers (task_type) VALUES (p_type) ON CONFLICT DO NOTHING;
    SELECT * INTO cb FROM task_circuit_breakers WHERE task_type = p_type FOR UPDATE;
    next_state := cb.state;
    IF cb.state = 'open' AND cb.open_until <= now() THEN
        next_state := 'half_open';
        cb.success_count := 0;
    END IF;
    IF next_state = 'half_open' THEN
        IF p_failures > 0 THEN
            next_state := 'open';
        ELSIF cb.success_count + p_successes >= p_success_threshold THEN
            next_state := 'closed';
            cb.failure_count := 0;
            cb.success_count := 0;
        ELSE
            cb.success_count := cb.success_count + p_successes;
        END IF;
    ELSIF next_state = 'closed' THEN
        cb.failure_count := CASE WHEN p_successes > 0 THEN p_trailing
                                 ELSE cb.failure_count + p_trailing END;
        IF cb.failure_count >= p_failure_threshold THEN
            next_state := 'open';
        END IF;
    END IF;  -- still open: outcomes of tasks claimed before it opened change nothing
    IF next_state = 'open' AND NOT (cb.state = 'open' AND cb.open_until > now()) THEN
        cb.opened_at := now();
        cb.open_until := now() + make_interval(secs => p_open_seconds);
        cb.failure_count := 0;
        cb.success_count := 0;
    END IF;
    UPDATE task_circuit_breakers SET
        state = next_state,
        failure_count = cb.failure_count,
        success_count = cb.success_count,
        total_failures = total_failures + p_failures,
        total_successes = total_successes + p_successes,
        opened_at = cb.opened_at,
        open_until = cb.open_until,
        updated_at = now()
    WHERE task_type = p_type;
    RETURN next_state;
END;
$$;
