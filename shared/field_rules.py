"""Rules a service enforces, stated in the OpenAPI schema as well.

A service checks its input itself and answers 400 naming the field, in its own words (and counts
lengths in UTF-8 bytes). Declaring the same limits as pydantic constraints would answer 422 in
pydantic's words instead, so `rule()` only documents them (`json_schema_extra`): the schema tells
a client the truth, and the service remains the one place that enforces it. The fuzz test
(tests/fuzz) fails when the two disagree.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

# Whitespace to Python's str.strip() and to JavaScript's \s (JSON Schema patterns are ECMA-262):
# a value made only of these is blank, in the service and in the schema alike.
_SPACE = r"\s\x1c-\x1f\x85\ufeff"
NOT_BLANK = rf"[^{_SPACE}]"
# A name: no NUL (PostgreSQL text cannot hold it), not blank.
NAME_TEXT = rf"^[^\x00]*[^{_SPACE}\x00][^\x00]*$"


def blank(value: str) -> bool:
    return re.search(NOT_BLANK, value) is None


def rule(
    default: Any = ...,
    *,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    max_properties: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    enum: list[str] | None = None,
    description: str | None = None,
) -> Any:
    """A field whose limits are documented (lengths are UTF-8 bytes) but checked by the service."""
    schema: dict[str, Any] = {
        key: value
        for key, value in {
            "minLength": min_length,
            "maxLength": max_length,
            "pattern": pattern,
            "maxProperties": max_properties,
            "minimum": minimum,
            "maximum": maximum,
            "enum": enum,
        }.items()
        if value is not None
    }
    return Field(default, description=description, json_schema_extra=schema)


def when_given(**schema: Any) -> Any:
    """The schema of a field that may be left out but, when given, is not null (an update's
    `title`): the model still accepts null, so the service can answer it with its own 400."""
    return WithJsonSchema(schema)


def _json_integer(value: Any) -> Any:
    # JSON Schema's integer includes 3.0, not "3" nor true: pydantic's lax int takes all three,
    # its strict int only the first. Refuse what JSON does not call an integer, then convert.
    if isinstance(value, bool | str):
        raise ValueError("Input should be a valid integer")
    return value


JSON_INTEGER = BeforeValidator(_json_integer)
JsonInt = Annotated[int, JSON_INTEGER]
# Bounds of an optional integer go before JSON_INTEGER, or the schema loses them:
# Annotated[int, Field(ge=1), JSON_INTEGER] | None.
