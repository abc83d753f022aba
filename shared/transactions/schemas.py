"""Request and response models of /api/v1/transactions (no FastAPI: the service returns them)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StrictBool, field_validator

from shared.field_rules import NAME_TEXT, JsonInt, when_given
from shared.timestamps import Timestamp

TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
MAX_METADATA_BYTES = 16_384
MAX_BULK = 100


class Status(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    PENDING = "pending"
    ARCHIVED = "archived"


class SortBy(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"
    PRIORITY = "priority"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


def _bounded_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None and len(str(value).encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must be at most {MAX_METADATA_BYTES} bytes")
    if value is not None and "\x00" in str(value):
        raise ValueError("metadata must not contain NUL characters")
    return value


class TransactionIn(BaseModel):
    name: str = Field(
        min_length=1, max_length=200, pattern=TEXT, json_schema_extra={"pattern": NAME_TEXT}
    )
    description: str | None = Field(default=None, max_length=2000, pattern=TEXT)
    status: Status = Status.ACTIVE
    priority: JsonInt = Field(default=0, ge=0, le=100)
    metadata: dict[str, Any] = Field(default_factory=dict)

    _metadata = field_validator("metadata")(_bounded_metadata)


class TransactionUpdate(BaseModel):
    """Only the fields sent change; `description: null` clears it, the others cannot be null."""

    name: Annotated[
        str | None, when_given(type="string", minLength=1, maxLength=200, pattern=NAME_TEXT)
    ] = Field(default=None, min_length=1, max_length=200, pattern=TEXT)
    description: str | None = Field(default=None, max_length=2000, pattern=TEXT)
    status: Annotated[Status | None, when_given(type="string", enum=[s.value for s in Status])] = (
        None
    )
    priority: Annotated[JsonInt | None, when_given(type="integer", minimum=0, maximum=100)] = Field(
        default=None, ge=0, le=100
    )
    metadata: Annotated[dict[str, Any] | None, when_given(type="object")] = None

    _metadata = field_validator("metadata")(_bounded_metadata)


class TransactionOut(BaseModel):
    id: UUID
    name: str
    description: str | None
    status: Status
    priority: int
    metadata: dict[str, Any]
    created_by: UUID | None
    created_at: Timestamp
    updated_at: Timestamp


class TransactionPage(BaseModel):
    items: list[TransactionOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class TransactionQuery(BaseModel):
    """The list's filters and order; every one is applied in SQL."""

    status: list[Status] = Field(default_factory=list)
    priority_min: int | None = Field(default=None, ge=0, le=100)
    priority_max: int | None = Field(default=None, ge=0, le=100)
    created_after: datetime | None = None
    created_before: datetime | None = None
    metadata: dict[str, Any] | None = None
    search: str | None = Field(default=None, max_length=200, pattern=TEXT)
    sort_by: SortBy = SortBy.CREATED_AT
    sort_order: SortOrder = SortOrder.DESC
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1000)


class BulkUpdate(TransactionUpdate):
    id: UUID


class BulkCreate(BaseModel):
    items: list[TransactionIn] = Field(min_length=1, max_length=MAX_BULK)
    skip_errors: StrictBool = False


class BulkUpdates(BaseModel):
    items: list[BulkUpdate] = Field(min_length=1, max_length=MAX_BULK)
    skip_errors: StrictBool = False


class BulkDelete(BaseModel):
    ids: list[UUID] = Field(min_length=1, max_length=MAX_BULK)
    skip_errors: StrictBool = False


class BulkFailure(BaseModel):
    index: int
    error: str


class BulkResult(BaseModel):
    """In one transaction: all or nothing, unless `skip_errors` keeps the rows that worked."""

    succeeded: list[UUID]
    failed: list[BulkFailure]
