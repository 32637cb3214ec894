"""The Canvas endpoints the emulator serves, one decorated method each, over a University."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sandbox.canvas import paging
from sandbox.canvas.analyzers import GraphLimits
from sandbox.canvas.courses import CourseQuery, course_view
from sandbox.canvas.graph import CanvasGraph, Rights
from sandbox.university.model import University
from sandbox.university.naming import user_names
from sandbox.university.records import ENROLLMENT_STATES
from sandbox.web import Request, Response, Routes

logger = logging.getLogger(__name__)

routes = Routes(trailing_slash=True)
DEFAULT_ENROLLMENT_STATES = ("active", "invited", "inactive")
_COUNTED = ("active", "invited", "completed")


def not_found() -> Response:
    return Response(404, {"errors": [{"message": "The specified resource does not exist."}]})


def bad_request(message: str) -> Response:
    return Response(400, {"errors": [{"message": message}]})


def unauthorized() -> Response:
    """Canvas's answer to a token whose role lacks the right (a 401, not a 403)."""
    body = {
        "status": "unauthorized",
        "errors": [{"message": "user not authorized to perform that action"}],
    }
    return Response(401, body)


class Endpoints:
    """One instance per running emulator; links use the absolute URL the client used."""

    def __init__(
        self,
        university: University,
        per_page_max: int = 100,
        limits: GraphLimits | None = None,
        rights: Rights | None = None,
    ) -> None:
        self.uni = university
        self.per_page_max = per_page_max
        self.rights = rights or Rights()
        self._course_lists: dict[tuple, list[int]] = {}
        self._lock = threading.Lock()
        limits = limits or GraphLimits(max_page_size=per_page_max)
        self.graph = CanvasGraph(university, limits, self.rights)
        self.base_url = ""

    def _base(self, request: Request) -> str:
        host = request.header("host")
        return f"http://{host}" if host else self.base_url

    def _page(self, items: list[Any], request: Request) -> tuple[list, dict]:
        size = paging.per_page(request, self.per_page_max)
        window = paging.numbered(len(items), request, self._base(request), size)
        return items[window.start : window.stop], window.headers

    # ----- accounts and terms ------------------------------------------------------------

    @routes.get("/api/v1/accounts/{account_id:int}")
    def account(self, request: Request, account_id: int) -> Response:
        found = self.uni.account_by_id.get(account_id)
        return Response(200, found, items=1) if found else not_found()

    @routes.get("/api/v1/accounts/{account_id:int}/sub_accounts")
    def sub_accounts(self, request: Request, account_id: int) -> Response:
        if account_id not in self.uni.account_by_id:
            return not_found()
        recursive = bool(paging.flag_arg(request, "recursive"))
        ids = self.uni.subaccount_ids(account_id, recursive=recursive)
        page, headers = self._page([self.uni.account_by_id[i] for i in ids], request)
        return Response(200, page, headers, items=len(page))

    @routes.get("/api/v1/accounts/{account_id:int}/terms")
    def terms(self, request: Request, account_id: int) -> Response:
        if account_id not in self.uni.account_by_id:
            return not_found()
        if account_id != self.uni.root_account_id:
            return bad_request("Terms only belong to root accounts.")
        wanted = set(paging.list_arg(request, "workflow_state")) or {"active"}
        terms = [t for t in self.uni.terms if "all" in wanted or t["workflow_state"] in wanted]
        # Postgres DESC puts undated terms first.
        terms.sort(key=lambda t: (t["end_at"] or "~", t["id"]), reverse=True)
        terms.sort(key=lambda t: t["start_at"] or "~", reverse=True)
        page, headers = self._page(terms, request)
        return Response(200, {"enrollment_terms": page}, headers, items=len(page))

    @routes.get("/api/v1/accounts/{account_id:int}/terms/{term_id:int}")
    def term(self, request: Request, account_id: int, term_id: int) -> Response:
        found = self.uni.term_by_id.get(term_id)
        if account_id != self.uni.root_account_id or found is None:
            return not_found()
        return Response(200, found, items=1)

    # ----- courses -----------------------------------------------------------------------

    @routes.get("/api/v1/accounts/{account_id:int}/courses")
    def account_courses(self, request: Request, account_id: int) -> Response:
        if account_id not in self.uni.account_by_id:
            return not_found()
        try:
            query = CourseQuery.from_request(self.uni, account_id, request)
        except LookupError:
            return not_found()
        except ValueError as err:
            return bad_request(str(err))
        ids = self._course_list(query)
        size = paging.per_page(request, self.per_page_max)
        window = paging.bookmarked(ids, request, self._base(request), size)
        includes = set(paging.list_arg(request, "include"))
        page = [
            course_view(self.uni, self.uni.course_by_id[cid], includes)
            for cid in ids[window.start : window.stop]
        ]
        return Response(200, page, window.headers, items=len(page))

    def _course_list(self, query: CourseQuery) -> list[int]:
        key = query.key()
        with self._lock:
            cached = self._course_lists.get(key)
        if cached is None:
            cached = query.course_ids(self.uni)
            with self._lock:
                self._course_lists[key] = cached
        return cached

    @routes.get("/api/v1/courses/{course_id:int}")
    def course(self, request: Request, course_id: int) -> Response:
        if not self.uni.has_course(course_id):
            return not_found()
        if course_id in self.uni.restricted_course_ids:
            return Response(200, {"id": course_id, "access_restricted_by_date": True}, items=1)
        includes = set(paging.list_arg(request, "include"))
        view = course_view(self.uni, self.uni.course_by_id[course_id], includes)
        return Response(200, view, items=1)

    # ----- sections and enrollments ------------------------------------------------------

    @routes.get("/api/v1/courses/{course_id:int}/sections")
    def sections(self, request: Request, course_id: int) -> Response:
        if not self.uni.has_course(course_id):
            return not_found()
        sections = [dict(s) for s in self.uni.sections_by_course.get(course_id, [])]
        if "total_students" in paging.list_arg(request, "include"):
            table = self.uni.enrollments
            rows = table.select(course_id, _COUNTED, ["StudentEnrollment"])
            counts = Counter(int(s) for s in table.section_id[rows])
            for section in sections:
                section["total_students"] = counts.get(section["id"], 0)
        if request.arg("all") is not None:
            return Response(200, sections, items=len(sections))
        page, headers = self._page(sections, request)
        return Response(200, page, headers, items=len(page))

    @routes.get("/api/v1/courses/{course_id:int}/enrollments")
    def enrollments(self, request: Request, course_id: int) -> Response:
        if not self.uni.has_course(course_id):
            return not_found()
        if not self.rights.roster:
            return unauthorized()
        states = paging.list_arg(request, "state") or list(DEFAULT_ENROLLMENT_STATES)
        unknown = [s for s in states if s not in ENROLLMENT_STATES]
        if unknown:
            return bad_request(f"Invalid state {unknown[0]!r}")
        types = paging.list_arg(request, "role") or paging.list_arg(request, "type") or None
        table = self.uni.enrollments
        rows = table.select(course_id, states, types)
        size = paging.per_page(request, self.per_page_max)
        base = self._base(request)
        window = paging.bookmarked(table.id[rows], request, base, size)
        page = [self._enrollment_view(int(i), base) for i in rows[window.start : window.stop]]
        return Response(200, page, window.headers, items=len(page))

    def _enrollment_view(self, index: int, base: str) -> dict[str, Any]:
        row = self.uni.enrollments.row(index)
        course = self.uni.course_by_id[row["course_id"]]
        section = self.uni.section_by_id[row["course_section_id"]]
        invited = row["enrollment_state"] == "invited"
        hours = row["id"] % 700
        activity = self.uni.now.timestamp() - hours * 3600
        row.update(
            {
                "created_at": course["created_at"],
                "updated_at": course["created_at"],
                "start_at": None,
                "end_at": None,
                "last_activity_at": None if invited else _stamp(activity),
                "last_attended_at": None,
                "total_activity_time": 0 if invited else hours * 97,
                "limit_privileges_to_course_section": False,
                "sis_import_id": None,
                "sis_course_id": course["sis_course_id"],
                "course_integration_id": None,
                "sis_section_id": section["sis_section_id"],
                "section_integration_id": None,
                "sis_account_id": None,
                "sis_user_id": None,
                "html_url": f"{base}/courses/{row['course_id']}/users/{row['user_id']}",
                "user": {"id": row["user_id"], **user_names(row["user_id"])},
            }
        )
        if row["type"] == "StudentEnrollment":
            score = float(row["id"] % 1000) / 10
            row["grades"] = {
                "html_url": f"{base}/courses/{row['course_id']}/grades/{row['user_id']}",
                "current_score": score,
                "final_score": score,
                "current_grade": None,
                "final_grade": None,
            }
        return row

    # ----- per-course details --------------------------------------------------------------

    @routes.get("/api/v1/courses/{course_id:int}/analytics/activity")
    def activity(self, request: Request, course_id: int) -> Response:
        if not self.uni.has_course(course_id):
            return not_found()
        if not self.rights.analytics:
            return unauthorized()
        # The analytics plugin serves only available or completed courses with students.
        state = self.uni.course_states[course_id]
        if state not in ("available", "completed") or not self.uni.has_students(course_id):
            return not_found()
        days = self.uni.activity[course_id]
        return Response(200, days, items=len(days))

    @routes.get("/api/v1/audit/course/courses/{course_id:int}")
    def audit(self, request: Request, course_id: int) -> Response:
        if not self.uni.has_course(course_id):
            return not_found()
        if not self.rights.audit:
            return unauthorized()
        events = self.uni.audit[course_id]
        size = paging.per_page(request, self.per_page_max)
        base = self._base(request)
        window = paging.bookmarked(list(range(len(events))), request, base, size)
        page = events[window.start : window.stop]
        body = {
            "events": page,
            "linked": {},
            "links": {"events.course": f"{base}/api/v1/courses/{{events.course}}"},
        }
        return Response(200, body, window.headers, items=len(page))

    @routes.get("/api/v1/courses/{course_id:int}/tabs")
    def tabs(self, request: Request, course_id: int) -> Response:
        if not self.uni.has_course(course_id):
            return not_found()
        base = self._base(request)
        # Current Canvas always lists external tool tabs; ``include[]=external`` is ignored.
        shown = []
        for tab in self.uni.tabs[course_id]:
            view = dict(tab, full_url=base + tab["html_url"])
            if "url" in view:
                view["url"] = base + view["url"]
            shown.append(view)
        return Response(200, shown, items=len(shown))

    # ----- GraphQL -----------------------------------------------------------------------

    @routes.post("/api/graphql")
    def graphql(self, request: Request) -> Response:
        status, payload, items = self.graph.answer(request.body)
        return Response(status, payload, items=items)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
