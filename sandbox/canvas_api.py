"""Canvas LMS emulator: REST and GraphQL over a synthetic university, throttling and faults."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sandbox.canvas_graphql import CanvasGraphQL
from sandbox.canvas_paging import BadPageError
from sandbox.canvas_rest import CanvasRest, Reply, not_found
from sandbox.server import Faults, Request, Response, RunningServer
from sandbox.throttle import RequestStats, Throttle, ThrottleSettings
from sandbox.university import University

logger = logging.getLogger(__name__)

RATE_LIMITED_BODY = "403 Forbidden (Rate Limit Exceeded)"
Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str  # the stats key, e.g. "GET courses/:id/enrollments"
    handler: Handler


def _routes(rest: CanvasRest, graphql: CanvasGraphQL) -> list[Route]:
    table: list[tuple[str, str, str, Handler]] = [
        ("GET", r"/api/v1/accounts/(\d+)", "accounts/:id", rest.account),
        ("GET", r"/api/v1/accounts/(\d+)/sub_accounts", "accounts/:id/sub_accounts",
         rest.sub_accounts),
        ("GET", r"/api/v1/accounts/(\d+)/terms", "accounts/:id/terms", rest.terms),
        ("GET", r"/api/v1/accounts/(\d+)/terms/(\d+)", "accounts/:id/terms/:id", rest.term),
        ("GET", r"/api/v1/accounts/(\d+)/courses", "accounts/:id/courses",
         rest.account_courses),
        ("GET", r"/api/v1/courses/(\d+)", "courses/:id", rest.course),
        ("GET", r"/api/v1/courses/(\d+)/sections", "courses/:id/sections", rest.sections),
        ("GET", r"/api/v1/courses/(\d+)/enrollments", "courses/:id/enrollments",
         rest.enrollments),
        ("GET", r"/api/v1/courses/(\d+)/analytics/activity", "courses/:id/analytics/activity",
         rest.activity),
        ("GET", r"/api/v1/audit/course/courses/(\d+)", "audit/course/courses/:id", rest.audit),
        ("GET", r"/api/v1/courses/(\d+)/tabs", "courses/:id/tabs", rest.tabs),
        ("POST", r"/api/graphql", "graphql", graphql.handle),
    ]
    return [Route(method, re.compile(pattern + "/?"), f"{method} {name}", handler)
            for method, pattern, name, handler in table]


class CanvasApi:
    """The request pipeline: route, authenticate, injected faults, throttle, handle, account."""

    def __init__(
        self, university: University, faults: Faults | None, throttle: ThrottleSettings,
        token: str, per_page_max: int, fault_paths: Mapping[str, Response],
    ) -> None:
        self.university = university
        self.faults = faults
        self.throttle_settings = throttle
        self.throttle = Throttle(throttle)
        self.token = token
        self.fault_paths = dict(fault_paths)
        self.stats = RequestStats()
        self.base_url = ""
        self.rest = CanvasRest(university, per_page_max)
        self.graphql = CanvasGraphQL(university, per_page_max)
        self._routes = _routes(self.rest, self.graphql)

    def _route(self, request: Request) -> tuple[Route | None, tuple[int, ...]]:
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match and route.method == request.method:
                return route, tuple(int(group) for group in match.groups())
        return None, ()

    def _token(self, request: Request) -> str | None:
        scheme, _, value = (request.header("authorization") or "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def handle(self, request: Request) -> Response:
        route, args = self._route(request)
        endpoint = route.endpoint if route else f"{request.method} (unknown)"
        self.stats.begin(endpoint)
        response, items, throttled = self._serve(request, route, args)
        self.stats.end(endpoint, response.status, throttled=throttled, items=items)
        return response

    def _serve(self, request: Request, route: Route | None,
               args: tuple[int, ...]) -> tuple[Response, int, bool]:
        token = self._token(request)
        if token != self.token:
            message = "Invalid access token." if token else "user authorization required"
            headers = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
            return Response(401, {"errors": [{"message": message}]}, headers), 0, False
        bucket = self.throttle.bucket(token) if self.throttle_settings.enabled else None
        if bucket is not None and not bucket.reserve():
            return self._throttled(bucket.remaining), 0, True
        response, items = Response(500, {"errors": [{"message": "emulator error"}]}), 0
        try:
            response, items = self._answer(request, route, args)
        finally:
            graphql = route is not None and route.endpoint == "POST graphql"
            cost = self.throttle_settings.cost(items, graphql)
            response.headers["X-Request-Cost"] = f"{cost:.6f}"
            if bucket is not None:
                remaining = bucket.settle(cost, reserved=True)
                response.headers["X-Rate-Limit-Remaining"] = f"{remaining:.6f}"
        return response, items, False

    def _answer(self, request: Request, route: Route | None,
                args: tuple[int, ...]) -> Reply:
        injected = self.fault_paths.get(request.path.rstrip("/"))
        if injected is not None:
            return Response(injected.status, injected.body, dict(injected.headers)), 0
        if self.faults is not None:
            faulty = self.faults.apply(request)
            if faulty is not None:
                return faulty, 0
        if route is None:
            return not_found(), 0
        base = f"http://{request.header('host')}" if request.header("host") else self.base_url
        try:
            return route.handler(request, base, *args)
        except BadPageError as err:
            return Response(400, {"errors": [{"message": f"invalid page {err}"}]}), 0

    def _throttled(self, remaining: float) -> Response:
        settings = self.throttle_settings
        headers = {"X-Request-Cost": "0.000000", "X-Rate-Limit-Remaining": f"{remaining:.6f}"}
        if settings.retry_after is not None:
            headers["Retry-After"] = f"{settings.retry_after:g}"
        if settings.mode == "429":
            return Response(429, "429 Too Many Requests (Rate Limit Exceeded)", headers)
        return Response(403, RATE_LIMITED_BODY, headers)


class CanvasServer(RunningServer):
    """A running Canvas emulator; ``stats`` counts requests, ``api`` is the pipeline."""

    def __init__(self, api: CanvasApi) -> None:
        super().__init__(api.handle, "canvas")
        self.api = api
        self.stats = api.stats
        self.university = api.university
        api.base_url = self.url

    def __enter__(self) -> CanvasServer:
        return self


def start(
    university: University, faults: Faults | None = None, *,
    throttle: ThrottleSettings | None = None, token: str = "sandbox-token",
    per_page_max: int = 100, fault_paths: Mapping[str, Response] | None = None,
) -> CanvasServer:
    """Serve the university as Canvas on a loopback port.

    Args:
        university: data from ``sandbox.generator.build_university``.
        faults: random latency and failures applied to every authenticated request.
        throttle: leaky-bucket settings (Canvas' defaults when None; ``enabled=False`` to
            switch throttling off).
        token: the only bearer token accepted.
        per_page_max: the largest ``per_page`` (and GraphQL ``first``) honoured.
        fault_paths: exact request paths answered with a fixed response, e.g.
            ``{"/api/v1/courses/500001/enrollments": Response(403, {...})}``.
    """
    api = CanvasApi(university, faults, throttle or ThrottleSettings(), token, per_page_max,
                    fault_paths or {})
    return CanvasServer(api)
