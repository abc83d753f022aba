"""limit/offset query parameters with a default and a maximum; bad values are a 400."""

# No `from __future__ import annotations`: FastAPI must see the closure's bounds at runtime.

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Query

from shared.paging import Page

MAX_OFFSET = 10_000_000


def pagination(default_limit: int = 50, max_limit: int = 1000) -> Callable[..., Awaitable[Page]]:
    """A FastAPI dependency; out-of-range values fail query validation, which answers 400."""

    async def page(
        limit: Annotated[int, Query(ge=1, le=max_limit)] = default_limit,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> Page:
        return Page(limit=limit, offset=offset)

    return page
