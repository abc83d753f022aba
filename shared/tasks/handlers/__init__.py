"""Built-in task handlers. Importing this package registers them; a new handler module adds
one import line here."""

from shared.tasks.handlers import (
    data_processing,
    delay_task,
    email_task,
    file_cleanup,
    push,
    report_generation,
    webhook,
)

__all__ = [
    "data_processing",
    "delay_task",
    "email_task",
    "file_cleanup",
    "push",
    "report_generation",
    "webhook",
]
