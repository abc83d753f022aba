"""The permission matrix of the identity groups: the authoritative table, rendered to
docs/rbac.md and asserted cell by cell by test_rbac_matrix.py.

Regenerate the document: `.venv/bin/python -m tests.identity.rbac_matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

CALLERS = ("anonymous", "user", "other_user", "moderator", "admin")
DOC = Path(__file__).resolve().parents[2] / "docs" / "rbac.md"
PASSWORD = "SecurePass123!"

# Path placeholders: {user} is the regular user who owns the resource ("user" column),
# {moderator2} another moderator, {admin2} another admin, {key} an API key of {user}.


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    statuses: tuple[int, int, int, int, int]  # in CALLERS order
    body: dict[str, Any] | None = None
    note: str = ""


def _all(status: int) -> tuple[int, int, int, int, int]:
    return (status,) * 5


AUTH = (401, 200, 200, 200, 200)
MOD = (401, 403, 403, 200, 200)
ADMIN = (401, 403, 403, 403, 200)

ROWS: tuple[Row, ...] = (
    Row(
        "POST",
        "/api/v1/auth/register",
        _all(200),
        {"username": "newcomer", "email": "newcomer@example.com", "password": PASSWORD},
        "public",
    ),
    Row(
        "POST",
        "/api/v1/auth/login",
        _all(200),
        {"username": "{user}", "password": PASSWORD},
        "public; 429 when throttled",
    ),
    Row("POST", "/api/v1/auth/logout", AUTH),
    Row("POST", "/api/v1/auth/logout-all", AUTH),
    Row("GET", "/api/v1/auth/me", AUTH),
    Row("GET", "/api/v1/auth/sessions", AUTH, note="own sessions only"),
    Row("POST", "/api/v1/auth/refresh", AUTH, note="409 within 5 minutes of the last refresh"),
    Row(
        "POST",
        "/api/v1/auth/api-keys",
        AUTH,
        {"name": "ci", "scopes": ["read"]},
        "admin scope: admins only (403)",
    ),
    Row("GET", "/api/v1/auth/api-keys", AUTH, note="own keys only"),
    Row("DELETE", "/api/v1/auth/api-keys", AUTH, note="revokes the caller's own keys only"),
    Row(
        "DELETE",
        "/api/v1/auth/api-keys/{key}",
        (401, 200, 404, 404, 404),
        note="owner only; others 404",
    ),
    Row("GET", "/api/v1/users/me/profile", AUTH),
    Row("PUT", "/api/v1/users/me/profile", AUTH, {}),
    Row(
        "PUT",
        "/api/v1/users/me/password",
        AUTH,
        {"current_password": PASSWORD, "new_password": "BrandNewPass456!"},
        "ends the caller's other sessions",
    ),
    Row(
        "DELETE",
        "/api/v1/users/me",
        AUTH,
        {"password": PASSWORD, "confirmation": "DELETE"},
        "409 for the last active admin",
    ),
    Row("GET", "/api/v1/users/{user}", (401, 200, 404, 200, 200), note="self, or MOD+"),
    Row(
        "GET",
        "/api/v1/users/{moderator2}",
        (401, 404, 404, 404, 200),
        note="moderators see only role=user (and themselves)",
    ),
    Row("GET", "/api/v1/users/{admin2}", (401, 404, 404, 404, 200)),
    Row("GET", "/api/v1/users", MOD),
    Row("PUT", "/api/v1/users/{user}/status", MOD, {"is_active": False, "reason": "matrix"}),
    Row(
        "PUT",
        "/api/v1/users/{moderator2}/status",
        ADMIN,
        {"is_active": False},
        "moderators act only on role=user",
    ),
    Row("POST", "/api/v1/users/{user}/reset-password", MOD, {"new_password": "ResetPass789!"}),
    Row(
        "POST",
        "/api/v1/users/{admin2}/reset-password",
        ADMIN,
        {"new_password": "ResetPass789!"},
        "moderators act only on role=user",
    ),
    Row(
        "POST",
        "/api/v1/users",
        ADMIN,
        {"username": "made", "email": "made@example.com", "password": PASSWORD},
    ),
    Row("PUT", "/api/v1/users/{user}/profile", ADMIN, {"email_verified": True}),
    Row(
        "PUT",
        "/api/v1/users/{user}/role",
        ADMIN,
        {"role": "moderator"},
        "409 when demoting the last active admin",
    ),
    Row(
        "DELETE",
        "/api/v1/users/{user}",
        ADMIN,
        {"reason": "matrix"},
        "409 for the last active admin; 400 on yourself",
    ),
    Row("GET", "/api/v1/admin/users/stats", ADMIN),
    Row("GET", "/api/v1/admin/users/registrations", ADMIN),
    Row("GET", "/api/v1/admin/users/deactivated", ADMIN),
    Row("GET", "/api/v1/admin/health", ADMIN),
    Row("GET", "/api/v1/admin/audit", ADMIN),
)


def render() -> str:
    header = "| Method | Path | " + " | ".join(CALLERS) + " | Notes |"
    lines = [
        "# Permission matrix: auth, users, admin",
        "",
        "Generated from `tests/identity/rbac_matrix.py` (`.venv/bin/python -m "
        "tests.identity.rbac_matrix`); `tests/identity/test_rbac_matrix.py` asserts every cell",
        "through the real Lambda handlers and fails if this file is out of date.",
        "",
        "Callers: `user` is the regular user who owns the resource (`{user}`, `{key}`);",
        "`other_user` is another regular user; `{moderator2}` and `{admin2}` are another",
        "moderator and another admin. Status codes are exact. Authentication is checked before",
        "roles (401 before 403); 404 hides what the caller may not see.",
        "",
        "API keys act as their owner with role `user`, unless they carry the `admin` scope and",
        "the owner is an admin; `read` keys get 403 on anything but GET/HEAD/OPTIONS; keys",
        "cannot create keys or end sessions (403).",
        "",
        header,
        "|" + "---|" * (len(CALLERS) + 3),
    ]
    for row in ROWS:
        cells = " | ".join(str(s) for s in row.statuses)
        lines.append(f"| {row.method} | `{row.path}` | {cells} | {row.note} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render())
    print(f"wrote {DOC}")  # noqa: T201


if __name__ == "__main__":
    main()
