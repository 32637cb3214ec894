"""Canvas LMS emulator: REST and GraphQL over a synthetic university, throttling and faults."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sandbox.canvas.analyzers import GraphLimits
from sandbox.canvas.endpoints import Endpoints, not_found, routes
from sandbox.canvas.graph import Rights
from sandbox.canvas.leaky_bucket import Throttle, ThrottleSettings
from sandbox.canvas.paging import BadPageError
from sandbox.university.model import University
from sandbox.web import Emulator, Faults, Request, Response, Route, RunningServer

logger = logging.getLogger(__name__)

RATE_LIMITED_BODY = "403 Forbidden (Rate Limit Exceeded)"
GRAPHQL_PATH = "/api/graphql"


class CanvasEmulator(Emulator):
    """The request pipeline: authenticate, throttle, injected faults, answer, charge the cost."""

    routes = routes

    def __init__(
        self,
        university: University,
        faults: Faults | None,
        throttle: ThrottleSettings,
        token: str,
        per_page_max: int,
        fault_paths: Mapping[str, Response],
        limits: GraphLimits | None = None,
        rights: Rights | None = None,
    ) -> None:
        super().__init__(faults)
        self.university = university
        self.throttle_settings = throttle
        self.throttle = Throttle(throttle)
        self.token = token
        self.fault_paths = dict(fault_paths)
        self.endpoints = Endpoints(university, per_page_max, limits, rights)

    def label(self, route: Route) -> str:
        """The counter's key, e.g. ``"GET courses/:id/enrollments"`` or ``"POST graphql"``."""
        path = route.template.removeprefix("/api/v1/").removeprefix("/api/")
        return f"{route.method} {re.sub(r'{[^}]+}', ':id', path)}"

    def _token(self, request: Request) -> str | None:
        scheme, _, value = (request.header("authorization") or "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def answer(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        response = self._authorized_answer(request, route, params)
        # Every Canvas response names its request; support tickets quote it.
        response.headers["X-Request-Context-Id"] = str(uuid.uuid4())
        return response

    def _authorized_answer(
        self, request: Request, route: Route | None, params: dict[str, Any]
    ) -> Response:
        token = self._token(request)
        if token != self.token:
            headers = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
            if token:
                return Response(401, {"errors": [{"message": "Invalid access token."}]}, headers)
            body = {
                "status": "unauthenticated",
                "errors": [{"message": "user authorization required"}],
            }
            return Response(401, body, headers)
        bucket = self.throttle.bucket(token) if self.throttle_settings.enabled else None
        if bucket is not None and not bucket.reserve():
            return self._throttled(bucket.remaining)
        response = Response(500, {"errors": [{"message": "emulator error"}]})
        try:
            response = self._respond(request, route, params)
        finally:
            graphql = route is not None and route.template == GRAPHQL_PATH
            cost = self.throttle_settings.cost(response.items, graphql)
            response.headers["X-Request-Cost"] = f"{cost:.6f}"
            if bucket is not None:
                remaining = bucket.settle(cost, reserved=True)
                response.headers["X-Rate-Limit-Remaining"] = f"{remaining:.6f}"
        return response

    def _respond(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        injected = self.fault_paths.get(request.path.rstrip("/"))
        if injected is not None:
            return Response(injected.status, injected.body, dict(injected.headers))
        if self.faults is not None:
            faulty = self.faults.apply(request)
            if faulty is not None:
                return faulty
        if route is None:
            return not_found()
        try:
            return route.handler(self.endpoints, request, **params)
        except BadPageError as err:
            return Response(400, {"errors": [{"message": f"invalid page {err}"}]})

    def _throttled(self, remaining: float) -> Response:
        settings = self.throttle_settings
        headers = {"X-Request-Cost": "0.000000", "X-Rate-Limit-Remaining": f"{remaining:.6f}"}
        if settings.retry_after is not None:
            headers["Retry-After"] = f"{settings.retry_after:g}"
        if settings.mode == "429":
            body = "429 Too Many Requests (Rate Limit Exceeded)"
            return Response(429, body, headers, throttled=True)
        return Response(403, RATE_LIMITED_BODY, headers, throttled=True)


class CanvasServer(RunningServer):
    """A running Canvas emulator; ``stats`` counts requests, ``api`` is the pipeline."""

    def __init__(self, api: CanvasEmulator) -> None:
        super().__init__(api, "canvas")
        self.api = api
        self.stats = api.stats
        self.university = api.university
        api.endpoints.base_url = self.url

    def __enter__(self) -> CanvasServer:
        return self


def start(
    university: University,
    faults: Faults | None = None,
    *,
    throttle: ThrottleSettings | None = None,
    token: str = "sandbox-token",
    per_page_max: int = 100,
    fault_paths: Mapping[str, Response] | None = None,
    limits: GraphLimits | None = None,
    rights: Rights | None = None,
) -> CanvasServer:
    """Serve the university as Canvas on a loopback port.

    Args:
        university: data from ``sandbox.university.build_university``.
        faults: random latency and failures applied to every authenticated request.
        throttle: leaky-bucket settings (Canvas' defaults when None; ``enabled=False`` to
            switch throttling off).
        token: the only bearer token accepted.
        per_page_max: the largest ``per_page`` (and GraphQL ``first``) honoured.
        fault_paths: exact request paths answered with a fixed response, e.g.
            ``{"/api/v1/courses/500001/enrollments": Response(403, {...})}``.
        limits: the GraphQL limits (Canvas's defaults when None); tests tighten them.
        rights: what the token's role may do (everything when None).
    """
    api = CanvasEmulator(
        university,
        faults,
        throttle or ThrottleSettings(),
        token,
        per_page_max,
        fault_paths or {},
        limits,
        rights,
    )
    return CanvasServer(api)
