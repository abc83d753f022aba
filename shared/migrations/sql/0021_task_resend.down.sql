DROP INDEX IF EXISTS idx_tasks_sent_waiting;
