"""Retry strategies and their delay maths: pure, no I/O.

The JSON shape (stored in tasks.retry_strategy, accepted by POST /tasks as `retry_strategy`):

    {"type": "exponential", "base_delay_seconds": 1, "multiplier": 2, "max_delay_seconds": 300,
     "max_attempts": 5, "jitter": true}
    {"type": "linear", "base_delay_seconds": 1, "increment_seconds": 1, "max_delay_seconds": 300,
     "max_attempts": 5, "jitter": true}
    {"type": "fixed", "interval_seconds": 10, "max_attempts": 3, "jitter": true}
    {"type": "none"}

`max_attempts` counts executions (the first run included); "none" runs once. Omitted fields take
the defaults above. With jitter a delay d becomes uniform in [d/2, d] ("equal jitter"), so
concurrent failures spread out while the wait never exceeds the un-jittered delay.
"""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_ATTEMPTS = 20
MAX_DELAY_SECONDS = 24 * 3600.0

Delay = Annotated[float, Field(ge=0, le=MAX_DELAY_SECONDS)]
Attempts = Annotated[int, Field(ge=1, le=MAX_ATTEMPTS)]


class _Strategy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Exponential(_Strategy):
    type: Literal["exponential"] = "exponential"
    base_delay_seconds: Delay = 1.0
    multiplier: Annotated[float, Field(ge=1, le=10)] = 2.0
    max_delay_seconds: Delay = 300.0
    max_attempts: Attempts = 5
    jitter: bool = True

    def base_delay(self, attempt: int) -> float:
        # min() before the power would overflow: cap the exponent, the cap dominates anyway.
        return min(
            self.base_delay_seconds * self.multiplier ** min(attempt - 1, 64),
            self.max_delay_seconds,
        )


class Linear(_Strategy):
    type: Literal["linear"] = "linear"
    base_delay_seconds: Delay = 1.0
    increment_seconds: Delay = 1.0
    max_delay_seconds: Delay = 300.0
    max_attempts: Attempts = 5
    jitter: bool = True

    def base_delay(self, attempt: int) -> float:
        return min(
            self.base_delay_seconds + self.increment_seconds * (attempt - 1), self.max_delay_seconds
        )


class Fixed(_Strategy):
    type: Literal["fixed"] = "fixed"
    interval_seconds: Delay = 10.0
    max_attempts: Attempts = 3
    jitter: bool = True

    def base_delay(self, attempt: int) -> float:
        return self.interval_seconds


class NoRetry(_Strategy):
    type: Literal["none"] = "none"
    max_attempts: Literal[1] = 1
    jitter: bool = False

    def base_delay(self, attempt: int) -> float:
        return 0.0


Strategy = Exponential | Linear | Fixed | NoRetry
_ADAPTER: TypeAdapter[Strategy] = TypeAdapter(Annotated[Strategy, Field(discriminator="type")])

DEFAULT = Exponential()


class InvalidStrategy(ValueError):
    pass


def parse(raw: Any) -> Strategy:
    """A strategy from its JSON shape (None → the default); InvalidStrategy names the problem."""
    if raw is None:
        return DEFAULT
    if raw == "none":
        return NoRetry()
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(
            str(p) for p in first["loc"] if p not in ("exponential", "linear", "fixed", "none")
        )
        raise InvalidStrategy(f"{where}: {first['msg']}" if where else first["msg"]) from None


def to_json(strategy: Strategy) -> dict[str, Any]:
    return strategy.model_dump(mode="json")


def delay_bounds(strategy: Strategy, attempt: int) -> tuple[float, float]:
    """The (min, max) wait after failed attempt `attempt` (1-based)."""
    d = strategy.base_delay(attempt)
    return (d / 2, d) if strategy.jitter else (d, d)


def next_delay(
    strategy: Strategy,
    attempt: int,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait after failed attempt `attempt` (1-based), or None when it was the last."""
    if attempt >= strategy.max_attempts:
        return None
    low, high = delay_bounds(strategy, attempt)
    if low == high:
        return low
    return (rng or _rng).uniform(low, high)


_rng = random.SystemRandom()
