"""The pure retry maths (shared/tasks/retry.py)."""

from __future__ import annotations

import random

import pytest

from shared.tasks import retry


def test_default_is_exponential_1s_x2_capped_300s_5_attempts_with_jitter() -> None:
    s = retry.parse(None)
    assert retry.to_json(s) == {
        "type": "exponential",
        "base_delay_seconds": 1.0,
        "multiplier": 2.0,
        "max_delay_seconds": 300.0,
        "max_attempts": 5,
        "jitter": True,
    }
    assert [retry.delay_bounds(s, a)[1] for a in range(1, 5)] == [1, 2, 4, 8]
    assert retry.next_delay(s, 5) is None


def test_exponential_is_capped() -> None:
    s = retry.parse({"type": "exponential", "max_attempts": 20, "jitter": False})
    assert retry.next_delay(s, 19) == 300
    huge = retry.parse(
        {
            "type": "exponential",
            "multiplier": 10,
            "max_attempts": 20,
            "max_delay_seconds": 86400,
            "jitter": False,
        }
    )
    assert retry.next_delay(huge, 19) == 86400


def test_linear_and_fixed_and_none() -> None:
    linear = retry.parse(
        {
            "type": "linear",
            "base_delay_seconds": 2,
            "increment_seconds": 3,
            "max_delay_seconds": 10,
            "jitter": False,
        }
    )
    assert [retry.next_delay(linear, a) for a in range(1, 6)] == [2, 5, 8, 10, None]
    fixed = retry.parse({"type": "fixed", "interval_seconds": 7, "jitter": False})
    assert [retry.next_delay(fixed, a) for a in (1, 2, 3)] == [7, 7, None]
    for raw in ({"type": "none"}, "none"):
        none = retry.parse(raw)
        assert none.max_attempts == 1 and retry.next_delay(none, 1) is None


def test_jitter_stays_within_half_to_full_delay() -> None:
    s = retry.parse({"type": "fixed", "interval_seconds": 10, "max_attempts": 20})
    rng = random.Random(1)
    delays = [retry.next_delay(s, 1, rng) for _ in range(500)]
    assert all(d is not None and 5 <= d <= 10 for d in delays)
    assert max(d for d in delays if d) - min(d for d in delays if d) > 4  # really spread


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"type": "fixed", "max_attempts": 21}, "max_attempts"),
        ({"type": "fixed", "max_attempts": 0}, "max_attempts"),
        ({"type": "fixed", "interval_seconds": 86401}, "interval_seconds"),
        ({"type": "exponential", "base_delay_seconds": -1}, "base_delay_seconds"),
        ({"type": "linear", "surprise": 1}, "surprise"),
        ({"type": "weekly"}, "type"),
        ({"max_attempts": 3}, "type"),
        ("always", ""),
        (5, ""),
    ],
)
def test_out_of_bounds_strategies_are_refused(raw: object, fragment: str) -> None:
    with pytest.raises(retry.InvalidStrategy) as info:
        retry.parse(raw)
    assert fragment in str(info.value)
