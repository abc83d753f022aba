"""The background task engine: registry, submission, worker, sweeper and DLQ reconciler."""
