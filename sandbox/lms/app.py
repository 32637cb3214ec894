"""The LMS emulator's routes: OAuth2 client credentials, report tasks, listings and downloads.

Shapes follow edx-platform: the legacy instructor dashboard API under
``/courses/{course_id}/instructor/api/``, the v1 API under ``/api/instructor/v1/``, and the CCX
REST API. A report already running answers 400 with the "is being created" message (a JSON
string when the client accepts JSON), as ``common_exceptions_400`` does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from sandbox.lms.state import LmsState
from sandbox.web import Emulator, Faults, Request, Response, Route, Routes

TRIGGERS = {
    "calculate_grades_csv": ("grade_course", "grade"),
    "problem_grade_report": ("grade_problems", "problem grade"),
    "get_students_features/csv": ("profile_info_csv", "enrolled learner profile"),
}


routes = Routes()
# A course key is one path segment (course-v1:org+course+run) or three (org/course/run).
_COURSE_FORMS = ("{course}", "{org}/{number}/{run}")
_PUBLIC = frozenset({"POST /oauth2/access_token", "GET /media/grades/{folder}/{name}"})
_NOT_FOUND_PAGE = Response(404, "<h1>Page not found</h1>", {"Content-Type": "text/html"})


def _course(params: dict[str, str]) -> str:
    if "course" in params:
        return unquote(params["course"])
    return unquote("/".join((params["org"], params["number"], params["run"])))


def _for_courses(method: str, template: str) -> Callable[[Callable[..., Response]], Any]:
    """Register a handler for ``template`` (with ``{course}``) in both course key forms."""

    def register(handler: Callable[..., Response]) -> Callable[..., Response]:
        for form in _COURSE_FORMS:
            routes.route(method, template.replace("{course}", form))(handler)
        return handler

    return register


class LmsEmulator(Emulator):
    """The request pipeline of the LMS: every route but the token and downloads needs a token."""

    routes = routes

    def __init__(self, state: LmsState, faults: Faults | None = None) -> None:
        super().__init__(faults)
        self.state = state

    def answer(self, request: Request, route: Route | None, params: dict[str, Any]) -> Response:
        if route is None or self.label(route) not in _PUBLIC:
            denied = _authenticate(self.state, request)
            if denied is not None:
                return denied
        return super().answer(request, route, params)

    def not_found(self, request: Request) -> Response:
        return _NOT_FOUND_PAGE

    @routes.post("/oauth2/access_token")
    def token(self, request: Request) -> Response:
        return _token(self.state, request)

    @routes.get("/media/grades/{folder}/{name}")
    def download(self, request: Request, folder: str, name: str) -> Response:
        return _download(self.state, request, folder, unquote(name))

    @routes.get("/api/ccx/v0/ccx/")
    def ccx(self, request: Request) -> Response:
        return _ccx_list(self.state, request)

    @_for_courses("GET", "/api/instructor/v1/reports/{course}")
    def v1_reports(self, request: Request, **course: str) -> Response:
        return _v1(self.state, request, "reports", _course(course))

    @_for_courses("GET", "/api/instructor/v1/tasks/{course}")
    def v1_tasks(self, request: Request, **course: str) -> Response:
        return _v1(self.state, request, "tasks", _course(course))

    @_for_courses("POST", "/courses/{course}/instructor/api/{action}")
    def legacy(self, request: Request, action: str, **course: str) -> Response:
        return _legacy(self.state, request, _course(course), action)

    @_for_courses("POST", "/courses/{course}/instructor/api/get_students_features/csv")
    def profile(self, request: Request, **course: str) -> Response:
        return _legacy(self.state, request, _course(course), "get_students_features/csv")

    @_for_courses("GET", "/courses/{course}/instructor/api/{action}")
    def legacy_get(self, request: Request, action: str, **course: str) -> Response:
        return Response(405, "", {"Allow": "POST"})  # the views are @require_POST

    @_for_courses("POST", "/api/instructor/v1/reports/{course}")
    def v1_post(self, request: Request, **course: str) -> Response:
        return Response(405, {"detail": 'Method "POST" not allowed.'})


def _form(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


def _token(state: LmsState, request: Request) -> Response:
    form = _form(request)
    if form.get("grant_type") != "client_credentials":
        return Response(400, {"error": "unsupported_grant_type"})
    if state.clients.get(form.get("client_id", "")) != form.get("client_secret"):
        return Response(401, {"error": "invalid_client"})
    expires = time.time() + state.token_lifetime_s
    claims = {
        "sub": form["client_id"],
        "exp": expires,
        "iat": time.time(),
        "jti": uuid.uuid4().hex,
    }
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    signature = hmac.new(state.signing_key, body.encode(), "sha256").hexdigest()
    with state.lock:
        state.tokens_issued += 1
    return Response(
        200,
        {
            "access_token": f"eyJhbGciOiJIUzI1NiJ9.{body}.{signature}",
            "token_type": "JWT" if form.get("token_type") == "jwt" else "Bearer",
            "expires_in": int(state.token_lifetime_s),
            "scope": "read write email profile",
        },
    )


def _authenticate(state: LmsState, request: Request) -> Response | None:
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    if scheme not in ("JWT", "Bearer") or token.count(".") != 2:
        return Response(401, {"detail": "Authentication credentials were not provided."})
    _, body, signature = token.split(".")
    expected = hmac.new(state.signing_key, body.encode(), "sha256").hexdigest()
    if not hmac.compare_digest(signature, expected):
        return Response(401, {"detail": "Error decoding token."})
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if claims["exp"] < time.time() or claims["iat"] < state.not_before:
        return Response(401, {"detail": "Token has expired."})
    return None


def _legacy(state: LmsState, request: Request, course_id: str, action: str) -> Response:
    if course_id not in state.courses:
        return _NOT_FOUND_PAGE
    if action == "list_report_downloads":
        state.advance(course_id)
        return Response(200, {"downloads": _downloads(state, course_id, request)})
    if action == "list_instructor_tasks":
        state.advance(course_id)
        return Response(200, {"tasks": _tasks(state, course_id)})
    if action in TRIGGERS:
        return _trigger(state, request, course_id, *TRIGGERS[action])
    return Response(404, "<h1>Page not found</h1>", {"Content-Type": "text/html"})


def _trigger(
    state: LmsState, request: Request, course_id: str, task_type: str, label: str
) -> Response:
    with state.lock:
        state.triggers.append((course_id, task_type))
        if any(t.course_id == course_id and t.task_type == task_type for t in state.running()):
            message = (
                f"The {label} report is being created. To view the status of the report, "
                "see Pending Tasks below. You will be able to download the report when "
                "it is complete."
            )
            if (request.header("accept") or "").startswith("application/json"):
                return Response(400, json.dumps(message), {"Content-Type": "application/json"})
            return Response(400, message, {"Content-Type": "text/html; charset=utf-8"})
        state.start_task(course_id, task_type)
    status = (
        f"The {label} report is being created. To view the status of the report, see "
        "Pending Tasks below."
    )
    return Response(200, {"status": status})


def _v1(state: LmsState, request: Request, what: str, course_id: str) -> Response:
    if course_id not in state.courses:
        return Response(
            404,
            {
                "developer_message": f"Course {course_id} not found.",
                "error_code": "course_not_found",
            },
        )
    state.advance(course_id)
    if what == "tasks":
        return Response(200, {"tasks": _tasks(state, course_id)})
    downloads = _downloads(state, course_id, request)
    wanted = request.arg("report_name")
    return Response(200, {"downloads": [d for d in downloads if wanted in (None, d["name"])]})


def _downloads(state: LmsState, course_id: str, request: Request) -> list[dict[str, str]]:
    """Newest first by modification time, as the report store lists them; signed URLs."""
    folder = state.store / hashlib.sha1(course_id.encode()).hexdigest()
    if not folder.is_dir():
        return []
    files = sorted(folder.iterdir(), key=lambda f: (f.stat().st_mtime, f.name), reverse=True)
    host = request.header("host") or "127.0.0.1"
    expires = str(int(time.time()) + 300)
    listed = []
    for file in files:
        path = f"/media/grades/{folder.name}/{quote(file.name)}"
        url = f"http://{host}{path}?Expires={expires}&Signature={state.signature(path, expires)}"
        listed.append({"url": url, "name": file.name, "link": f'<a href="{url}">{file.name}</a>'})
    return listed


def _tasks(state: LmsState, course_id: str) -> list[dict[str, object]]:
    return [
        {
            "task_type": t.task_type,
            "task_id": t.task_id,
            "created": t.created.isoformat(),
            "task_input": "{}",
            "duration_sec": "unknown",
            "requester": "reports-service",
            "task_message": "No status information available",
            "task_state": t.state,
        }
        for t in state.running()
        if t.course_id == course_id
    ]


def _download(state: LmsState, request: Request, folder: str, name: str) -> Response:
    path = f"/media/grades/{folder}/{quote(name)}"
    expires = request.arg("Expires") or "0"
    good = hmac.compare_digest(request.arg("Signature") or "", state.signature(path, expires))
    if not good or int(expires) < time.time():
        return Response(
            403, "<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"}
        )
    file = state.store / folder / name
    if not file.is_file():
        return Response(
            404, "<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"}
        )
    return Response(200, file.read_bytes(), {"Content-Type": "text/csv"})


def _ccx_list(state: LmsState, request: Request) -> Response:
    master = request.arg("master_course_id")
    if not master or master not in state.courses:
        return Response(400, {"error_code": "course_id_not_valid"})
    found = [
        {"ccx_course_id": c.course_id, "master_course_id": master, "display_name": c.course_id}
        for c in state.courses.values()
        if c.master_course_id == master
    ]
    return Response(
        200,
        {"results": found, "count": len(found), "num_pages": 1, "next": None, "previous": None},
    )
