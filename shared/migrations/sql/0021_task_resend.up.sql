-- The sweeper re-sends due tasks whose message was sent long ago and never consumed (lost with
-- a purged queue or a restarted local stack): this keeps that search off a full scan.
CREATE INDEX idx_tasks_sent_waiting ON tasks (enqueued_at)
    WHERE status IN ('pending', 'retrying') AND enqueued_at IS NOT NULL;
