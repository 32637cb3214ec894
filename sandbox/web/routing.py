"""Decorator routes with typed path parameters, and the request pipeline every emulator shares."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sandbox.web.counts import EndpointCounts
from sandbox.web.faults import Faults
from sandbox.web.messages import Request, Response

Handler = Callable[..., Response]
_PARAMETER = re.compile(r"\{(\w+)(?::(int))?\}")
_SEGMENT = {None: r"[^/]+", "int": r"\d+"}
_CONVERT: dict[str | None, Callable[[str], Any]] = {None: str, "int": int}


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path template, and the function that answers it."""

    method: str
    template: str
    pattern: re.Pattern[str]
    converters: dict[str, Callable[[str], Any]]
    handler: Handler

    def match(self, request: Request) -> dict[str, Any] | None:
        """The converted path parameters when the request is for this route, else None."""
        if request.method != self.method:
            return None
        found = self.pattern.fullmatch(request.path)
        if found is None:
            return None
        return {name: self.converters[name](value) for name, value in found.groupdict().items()}


class Routes:
    """An emulator's endpoint table, filled by decorators; the first matching route wins.

    In a template, ``{name}`` matches one path segment and passes it as a string, ``{name:int}``
    matches digits and passes an int. With ``trailing_slash`` a path may also end in "/", as
    Rails routes accept.
    """

    def __init__(self, *, trailing_slash: bool = False) -> None:
        self.trailing_slash = trailing_slash
        self._routes: list[Route] = []

    def get(self, template: str) -> Callable[[Handler], Handler]:
        return self.route("GET", template)

    def post(self, template: str) -> Callable[[Handler], Handler]:
        return self.route("POST", template)

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        """Register the decorated function as the answer to ``method template``."""

        def register(handler: Handler) -> Handler:
            self._routes.append(self._compile(method, template, handler))
            return handler

        return register

    def _compile(self, method: str, template: str, handler: Handler) -> Route:
        converters: dict[str, Callable[[str], Any]] = {}
        pattern, last = "", 0
        for found in _PARAMETER.finditer(template):
            name, kind = found.group(1), found.group(2)
            converters[name] = _CONVERT[kind]
            pattern += re.escape(template[last : found.start()]) + f"(?P<{name}>{_SEGMENT[kind]})"
            last = found.end()
        pattern += re.escape(template[last:]) + ("/?" if self.trailing_slash else "")
        return Route(method, template, re.compile(pattern), converters, handler)

    def match(self, request: Request) -> tuple[Route | None, dict[str, Any]]:
        for route in self._routes:
            params = route.match(request)
            if params is not None:
                return route, params
        return None, {}


class Emulator:
    """The pipeline every emulator shares: match a route, count the request, answer it.

    A subclass sets ``routes`` (its methods are the handlers, called with the path parameters
    as keywords) and may override ``answer`` (to authenticate, throttle or reshape injected
    faults), ``label`` (the counter's key) and ``not_found``. ``stats`` counts every request by
    endpoint.
    """

    routes: ClassVar[Routes]

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults
        self.stats = EndpointCounts()

    def __call__(self, request: Request) -> Response:
        route, params = self.routes.match(request)
        endpoint = self.label(route) if route else f"{request.method} (unknown)"
        self.stats.begin(endpoint)
        response = Response(500, {"errors": [{"message": "emulator error"}]})
        try:
            response = self.answer(request, route, params)
        finally:
            self.stats.end(
                endpoint, response.status, throttled=response.throttled, items=response.items
            )
        return response

    def label(self, route: Route) -> str:
        return f"{route.method} {route.template}"

    def answer(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        """Injected faults first, then the route's handler."""
        injected = self.faults.apply(request) if self.faults else None
        if injected is not None:
            return injected
        return self.dispatch(request, route, params)

    def dispatch(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        if route is None:
            return self.not_found(request)
        return route.handler(self, request, **params)

    def not_found(self, request: Request) -> Response:
        return Response(404, {"errors": [{"message": f"no route for {request.path}"}]})
