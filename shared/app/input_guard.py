"""The one input guard of every HTTP function, run by the middleware before any route.

PostgreSQL cannot store NUL in text, and UTF-8 cannot encode a lone surrogate: either would
reach the database as a 500. Deeply nested JSON can exhaust recursion when a stored document is
read back. So every request is checked once, at the edge, and answers 400 naming the field:

- the path and every query parameter: valid UTF-8 once percent-decoded, no NUL;
- the headers the code reads (authorization, content-type, x-request-id, user-agent);
- a JSON body: valid UTF-8, no NUL or lone surrogate in any key or string, at most
  `MAX_JSON_DEPTH` levels of nesting. A body that is not JSON at all is left to the route
  (400 INVALID_INPUT, "Malformed JSON").
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from shared.errors import ValidationFailed

MAX_JSON_DEPTH = 32
CHECKED_HEADERS = frozenset({b"authorization", b"content-type", b"x-request-id", b"user-agent"})


def _unsafe(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not text.isascii():  # only then can it hold a surrogate; encoding finds one in C
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain lone surrogates (invalid Unicode)"
    return None


def _text(raw: bytes, field: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(field, "is not valid UTF-8") from None
    problem = _unsafe(text)
    if problem:
        raise ValidationFailed(field, problem)
    return text


def _check_query(query: bytes) -> None:
    for pair in query.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name = _text(unquote_to_bytes(raw_name.replace(b"+", b" ")), "query")
        _text(unquote_to_bytes(raw_value.replace(b"+", b" ")), name or "query")


def _check_json(document: Any, strings: bool) -> None:
    """Iterative, so the check itself cannot hit the recursion limit. With `strings` False only
    the nesting is checked (the text proved every key and string safe)."""
    stack: list[tuple[Any, str, int]] = [(document, "body", 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            if strings and (problem := _unsafe(value)):
                raise ValidationFailed(where, problem)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValidationFailed(where, f"nests deeper than {MAX_JSON_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if strings and isinstance(key, str) and (problem := _unsafe(key)):
                raise ValidationFailed(f"{where}.{key!r}", problem)
            if isinstance(item, dict | list) or strings:
                stack.append((item, f"{where}.{key}", depth + 1))


def check(scope: MutableMapping[str, Any], body: bytes) -> None:
    """Raise ValidationFailed for the first unsafe part of the request."""
    path = scope.get("path", "")
    if problem := _unsafe(path):
        raise ValidationFailed("path", problem)
    _check_query(scope.get("query_string", b""))
    content_type = b""
    for name, value in scope.get("headers", ()):
        if name in CHECKED_HEADERS:
            _text(value, name.decode())
            if name == b"content-type":
                content_type = value
    if not body or b"json" not in content_type.lower():
        return
    text = _text(body, "body")
    try:
        document = json.loads(text)
    except RecursionError:
        raise ValidationFailed("body", f"nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        return  # not JSON: the route answers "Malformed JSON"
    # Valid UTF-8 without NUL holds no NUL nor lone surrogate, and JSON can only add them
    # through \u escapes: without any, the (many) keys and strings need no look.
    _check_json(document, strings="\\u" in text)
