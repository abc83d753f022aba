"""Session tokens are stored hashed: the database alone cannot take over a session."""

from __future__ import annotations

from shared import db
from tests.identity.conftest import Api


def test_no_plaintext_token_in_the_database(api: Api) -> None:
    api.register("olga")
    token = api.token_for("olga")
    dump = db.connection().execute("SELECT row_to_json(s)::text AS row FROM sessions s").fetchall()
    assert len(dump) == 1
    assert token not in dump[0]["row"]
    everything = (
        db.connection()
        .execute(
            """SELECT string_agg(t::text, '') AS all_rows FROM (
               SELECT row_to_json(s) AS t FROM sessions s
               UNION ALL SELECT row_to_json(u) FROM users u
               UNION ALL SELECT row_to_json(a) FROM audit_log a) rows"""
        )
        .fetchone()
    )
    assert everything is not None and token not in everything["all_rows"]


def test_a_copied_sessions_row_does_not_authenticate(api: Api) -> None:
    api.register("pete")
    api.token_for("pete")
    row = db.connection().execute("SELECT * FROM sessions").fetchone()
    assert row is not None
    # What a database reader holds: the stored value. Presented as a bearer token, it fails.
    assert api.as_(row["token_hash"]).get("/api/v1/auth/me").status_code == 401
    assert api.as_(str(row["id"])).get("/api/v1/auth/me").status_code == 401


def test_tokens_are_64_url_safe_chars_and_distinct(api: Api) -> None:
    api.register("quinn")
    tokens = {api.token_for("quinn") for _ in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert len(token) == 64
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
