"""A page of a list: limit and offset, already validated by whoever built it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Page:
    limit: int
    offset: int
