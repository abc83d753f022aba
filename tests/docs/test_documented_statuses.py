"""Every operation documents exactly the statuses its code can answer.

What the code can raise is found by reading it: from the route function and each of its
dependencies, every `raise SomeAppError(...)` and every status assigned to a response, following
calls into the project's own functions (shared/, functions/). Add a raise without documenting it,
or document a status nothing raises, and this test names the operation.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.docs import catalog
from shared.errors import AppError

PROJECT_PACKAGES = ("shared.", "functions.")
# Any route: the input guard and parameter validation (400), a server or database error (500),
# an unreachable database (503). A route with a body: too large, not JSON, wrong shape.
ANY_ROUTE = {400, 500, 503}
WITH_BODY = {413, 415, 422}


def _resolve(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return names.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        return None if base is None else getattr(base, node.attr, None)
    return None


def _status_literals(node: ast.expr) -> set[int]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, int) and 100 <= n.value <= 599
    }


def raisable_statuses(function: Callable[..., Any], seen: set[Any]) -> set[int]:
    function = inspect.unwrap(function)
    if not inspect.isfunction(function) or function in seen:
        return set()
    seen.add(function)
    if not function.__module__.startswith(PROJECT_PACKAGES):
        return set()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except OSError:  # generated code (a dataclass's __init__): nothing the project wrote
        return set()
    names = {**function.__globals__, **inspect.getclosurevars(function).nonlocals}
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            kind = _resolve(raised, names)
            if isinstance(kind, type) and issubclass(kind, AppError):
                found.add(kind.status)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "status_code" for t in node.targets
        ):
            found |= _status_literals(node.value) - {200}
        elif isinstance(node, ast.Call):
            called = _resolve(node.func, names)
            if inspect.isfunction(called) or inspect.ismethod(called):
                found |= raisable_statuses(called, seen)
            elif isinstance(called, type) and not issubclass(called, BaseException):
                for member in list(vars(called).values()):  # reading may build a model
                    found |= raisable_statuses(member, seen)
    return found


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def operations() -> Iterator[tuple[str, str, APIRoute]]:
    for router in catalog.routers():
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in sorted(route.methods):
                    yield method.lower(), route.path_format, route


OPERATIONS = list(operations())


@pytest.mark.parametrize(
    ("method", "path", "route"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS]
)
def test_documented_statuses_are_what_the_code_can_answer(
    method: str, path: str, route: APIRoute
) -> None:
    seen: set[Any] = set()
    raisable = set(ANY_ROUTE) | (WITH_BODY if route.body_field is not None else set())
    for call in _calls(route.dependant):
        raisable |= raisable_statuses(call, seen)
    responses = catalog.openapi_document()["paths"][path][method]["responses"]
    documented = {int(status) for status in responses if not status.startswith("2")}
    undocumented, never_raised = sorted(raisable - documented), sorted(documented - raisable)
    assert documented == raisable, f"undocumented: {undocumented}, never raised: {never_raised}"


def test_every_error_status_carries_the_error_envelope_and_its_codes() -> None:
    for method, path, _ in OPERATIONS:
        responses = catalog.openapi_document()["paths"][path][method]["responses"]
        for status, response in responses.items():
            if status.startswith("2") or "x-error-codes" not in response:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (method, path)
            assert response["x-error-codes"], (method, path, status)
