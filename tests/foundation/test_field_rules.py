"""Field rules the services enforce and the schema states: both must read a rule the same way."""

from __future__ import annotations

import re

import pytest

from shared.field_rules import NAME_TEXT, NOT_BLANK, blank

# Characters Python's str.strip() and JavaScript's \s (JSON Schema patterns) disagree on.
DISPUTED = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\ufeff"]


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u3000", *DISPUTED, "".join(DISPUTED)])
def test_whitespace_of_either_kind_is_blank(value: str) -> None:
    assert blank(value)
    assert re.search(NOT_BLANK, value) is None
    assert re.fullmatch(NAME_TEXT, value) is None


@pytest.mark.parametrize("value", ["a", " a ", "\x1da", "é", "0"])
def test_anything_else_is_not(value: str) -> None:
    assert not blank(value)
    assert re.fullmatch(NAME_TEXT, value)


def test_a_name_never_holds_nul() -> None:
    assert re.fullmatch(NAME_TEXT, "a\x00b") is None
