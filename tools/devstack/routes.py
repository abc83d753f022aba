"""API Gateway HTTP API route selection: the most specific route wins.

Per segment a literal beats `{param}` beats `{proxy+}`; at equal paths a route's own method beats
ANY; `$default` answers whatever nothing else matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.devstack.template import Route

_LITERAL, _PARAM, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        path = self.route.path
        return path if path == "$default" else f"{self.route.method} {path}"


def _kind(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    if segment.startswith("{") and segment.endswith("}"):
        return _PARAM
    return _LITERAL


def _match_path(pattern: str, path: str) -> dict[str, str] | None:
    want, got = pattern[1:].split("/"), path[1:].split("/")
    params: dict[str, str] = {}
    for i, segment in enumerate(want):
        kind = _kind(segment)
        if kind == _GREEDY:
            rest = "/".join(got[i:])
            if not rest:
                return None
            params[segment[1:-2]] = rest
            return params
        if i >= len(got):
            return None
        if kind == _PARAM:
            if not got[i]:
                return None
            params[segment[1:-1]] = got[i]
        elif segment != got[i]:
            return None
    return params if len(want) == len(got) else None


def _specificity(route: Route) -> tuple[tuple[int, ...], int]:
    # Lower sorts first. Any literal beats a variable at the first segment where they differ.
    kinds = tuple(_kind(s) for s in route.path[1:].split("/"))
    return kinds, 1 if route.method == "ANY" else 0


class RouteTable:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = sorted((r for r in routes if r.path != "$default"), key=_specificity)
        self._default = [r for r in routes if r.path == "$default"]

    def match(self, method: str, path: str) -> Match | None:
        method = method.upper()
        for route in self._routes:
            if route.method not in ("ANY", method):
                continue
            params = _match_path(route.path, path)
            if params is not None:
                return Match(route, params)
        for route in self._default:
            if route.method in ("ANY", method):
                return Match(route, {})
        return None
