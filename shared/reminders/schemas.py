"""Request and response models of /api/v1/reminders (no FastAPI: the service returns them)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.timestamps import IsoDatetime, Timestamp

TEXT = r"^[^\x00]*$"


class Recurrence(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"


STEP = {Recurrence.DAILY: timedelta(days=1), Recurrence.WEEKLY: timedelta(days=7)}


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"


Channels = list[Channel]


class ReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transaction_id: UUID
    at: IsoDatetime | None = Field(
        default=None, description="When; default: the transaction's due date."
    )
    recurrence: Recurrence = Recurrence.ONCE
    channels: Channels = Field(min_length=1, max_length=2)
    message: str = Field(default="", max_length=500, pattern=TEXT)


class ReminderUpdate(BaseModel):
    """Only the fields sent change. A new `at` (or `active: true`) schedules it again."""

    model_config = ConfigDict(extra="forbid")

    at: IsoDatetime | None = None
    recurrence: Recurrence | None = None
    channels: Channels | None = Field(default=None, min_length=1, max_length=2)
    message: str | None = Field(default=None, max_length=500, pattern=TEXT)
    active: bool | None = None


class ReminderOut(BaseModel):
    id: UUID
    transaction_id: UUID
    recurrence: Recurrence
    channels: Channels
    message: str
    next_run_at: Timestamp | None
    active: bool
    sent_count: int
    last_sent_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class ReminderPage(BaseModel):
    items: list[ReminderOut]
    next_cursor: str | None
