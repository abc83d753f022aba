from __future__ import annotations

import pytest

from tools.devstack.schedules import UnsupportedSchedule, interval_seconds


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(12 hours)", 43200),
        ("rate(1 day)", 86400),
        ("rate(7 days)", 604800),
        (" rate(2 minutes) ", 120),
    ],
)
def test_rate_expressions(expression: str, seconds: float) -> None:
    assert interval_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(5 seconds)",
        "rate(five minutes)",
        "rate(5minutes)",
        "every 5 minutes",
        "",
    ],
)
def test_invalid_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ValueError, match=r"rate|schedule expression"):
        interval_seconds(expression)


@pytest.mark.parametrize("expression", ["cron(0 12 * * ? *)", "at(2030-01-01T00:00:00)"])
def test_cron_and_at_are_reported_unsupported(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule, match="trigger"):
        interval_seconds(expression)
