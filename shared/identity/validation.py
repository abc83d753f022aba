"""Username, email and password rules (docs/identity.md), plus reserved usernames."""

from __future__ import annotations

from typing import Any

from shared.errors import ValidationFailed
from shared.field_rules import rule

RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "system", "root", "user", "api", "support", "moderator", "null"}
)

_SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|;:,.<>?")
_COMMON_PASSWORDS = (
    "password",
    "123456",
    "password123",
    "admin",
    "qwerty",
    "letmein",
    "welcome",
    "monkey",
    "1234567890",
    "abc123",
    "password1",
    "123456789",
    "welcome123",
    "admin123",
    "qwerty123",
    "12345678",
    "111111",
    "123123",
    "1234567",
    "1q2w3e4r",
    "asdfgh",
    "zxcvbn",
    "qwertyui",
    "000000",
    "1234",
    "iloveyou",
    "dragon",
    "sunshine",
    "princess",
    "azerty",
    "trustno1",
    "123qwe",
    "password123!",
    "admin123!",
    "qwerty123!",
    "welcome123!",
    "password1!",
    "admin1",
    "qwerty1",
    "welcome1",
)


def _bytes(value: str) -> int:
    return len(value.encode())


def validate_username(username: str, field: str = "username") -> None:
    if not 3 <= _bytes(username) <= 50:
        raise ValidationFailed(field, "Username must be between 3 and 50 characters")
    if not all(c.isalnum() or c in "_-" for c in username):
        raise ValidationFailed(
            field, "Username can only contain letters, numbers, underscores, and hyphens"
        )


def validate_new_username(username: str) -> None:
    """A username someone is taking: the format rules plus the reserved names."""
    validate_username(username)
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationFailed("username", "This username is reserved")


def _valid_email(email: str) -> bool:
    if not 3 <= _bytes(email) <= 254 or email.count("@") != 1:
        return False
    local, domain = email.split("@")
    if not 1 <= _bytes(local) <= 64 or local[0] == "." or local[-1] == "." or ".." in local:
        return False
    if not all(c.isalnum() or c in "._-+" for c in local):
        return False
    if not 1 <= _bytes(domain) <= 253 or "." not in domain:
        return False
    if domain[0] in "-." or domain[-1] in "-.":
        return False
    labels = domain.split(".")
    for label in labels:
        if not 1 <= _bytes(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
        if not all(c.isalnum() or c == "-" for c in label):
            return False
    tld = labels[-1]
    return len(tld) >= 2 and tld.isalpha()


def validate_email(email: str, field: str = "email") -> None:
    if not _valid_email(email):
        raise ValidationFailed(field, "Invalid email format")


def validate_password(password: str, field: str = "password") -> None:
    size = _bytes(password)
    if size < 8:
        raise ValidationFailed(field, "Password must be at least 8 characters long")
    if size > 128:
        raise ValidationFailed(field, "Password must be less than 128 characters")
    classes = (
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isnumeric() for c in password),
        any(c in _SYMBOLS for c in password),
    )
    if sum(classes) < 3:
        raise ValidationFailed(
            field,
            "Password must contain at least 3 of: uppercase letters, lowercase letters, "
            "numbers, special characters",
        )
    lowered = password.lower()
    common = False
    for candidate in _COMMON_PASSWORDS:  # always the full scan: no timing hint
        common |= password == candidate or lowered == candidate
    if common:
        raise ValidationFailed(field, "Password is too common. Please choose a stronger password")


# The same rules, documented in the OpenAPI schema (shared/field_rules.py).
def username_field(default: Any = ...) -> Any:
    return rule(
        default,
        min_length=3,
        max_length=50,
        pattern=r"^[\w-]+$",
        description="3-50 bytes of letters, digits, _ and -; some names are reserved",
    )


def email_field(default: Any = ...) -> Any:
    return rule(
        default,
        min_length=3,
        max_length=254,
        pattern=r"^[^@]+@[^@]+\.[^@]+$",
        description="local@domain.tld: at most 64 bytes before @, labels of letters, digits "
        "and -, an alphabetic TLD",
    )


def password_field() -> Any:
    return rule(
        min_length=8,
        max_length=128,
        description="8-128 bytes with at least 3 of: uppercase, lowercase, digits, symbols; "
        "not a common password",
    )
