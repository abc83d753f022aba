-- Errors that belong to no task (malformed queue messages) are now monitoring events from
-- `system-tasks` (shared/tasks/error_log.py), and dead-lettered deliveries are `failed` lifecycle
-- events: this table, the placeholder until monitoring existed, is no longer written or read.
DROP TABLE task_errors;
