"""Every identity endpoint x every kind of caller, exact statuses (the table in rbac_matrix.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.identity import api_keys
from shared.identity.principal import ApiKeyScope, Role
from tests.identity.conftest import Api
from tests.identity.rbac_matrix import CALLERS, ROWS, Row, render
from tests.users import create_user

CASES = [
    pytest.param(row, i, id=f"{row.method} {row.path} as {caller}")
    for row in ROWS
    for i, caller in enumerate(CALLERS)
]


def _fill(value: Any, names: dict[str, str]) -> Any:
    text = json.dumps(value)
    for name, replacement in names.items():
        text = text.replace("{" + name + "}", replacement)
    return json.loads(text)


@pytest.mark.parametrize(("row", "caller"), CASES)
def test_matrix_cell(api: Api, row: Row, caller: int) -> None:
    owner, owner_token = create_user()
    _, other_token = create_user()
    _, moderator_token = create_user(Role.MODERATOR)
    _, admin_token = create_user(Role.ADMIN)
    moderator2, _ = create_user(Role.MODERATOR)
    admin2, _ = create_user(Role.ADMIN)
    key = api_keys.create(owner, "matrix", None, [ApiKeyScope.READ], None)
    names = {
        "user": str(owner.id),
        "moderator2": str(moderator2.id),
        "admin2": str(admin2.id),
        "key": str(key.id),
    }
    path = _fill(row.path, names)
    body = _fill(row.body, names | {"user": owner.username}) if row.body is not None else None
    token = (None, owner_token, other_token, moderator_token, admin_token)[caller]
    response = api.as_(token).request(row.method, path, json_body=body)
    assert response.status_code == row.statuses[caller], response.text


def test_doc_matches_the_table() -> None:
    from tests.identity.rbac_matrix import DOC

    assert DOC.read_text() == render(), "run: .venv/bin/python -m tests.identity.rbac_matrix"
