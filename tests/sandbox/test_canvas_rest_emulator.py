"""The Canvas emulator's REST endpoints behave like Canvas: paging, wrappers, stubs, faults."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox import canvas as canvas_api
from sandbox.university import University
from sandbox.web import Faults, Response

FALL = 164


def _follow(session: requests.Session, url: str, **params: Any) -> list[requests.Response]:
    pages = [session.get(url, params=params)]
    while "next" in pages[-1].links:
        pages.append(session.get(pages[-1].links["next"]["url"]))
    assert all(page.status_code == 200 for page in pages)
    return pages


def test_auth_is_required(canvas_server: canvas_api.CanvasServer) -> None:
    url = f"{canvas_server.url}/api/v1/accounts/1"
    missing = requests.get(url)
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"})
    query_only = requests.get(url, params={"access_token": "sandbox-token"})
    assert [missing.status_code, wrong.status_code, query_only.status_code] == [401, 401, 401]
    assert wrong.json()["errors"][0]["message"] == "Invalid access token."
    assert missing.json() == {
        "status": "unauthenticated",
        "errors": [{"message": "user authorization required"}],
    }
    assert all(r.headers["X-Request-Context-Id"] for r in (missing, wrong, query_only))


def test_account_courses_bookmark_pages(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    url = f"{canvas_server.url}/api/v1/accounts/1/courses"
    pages = _follow(
        canvas_session,
        url,
        enrollment_term_id=FALL,
        per_page=3,
        **{"include[]": ["total_students"]},
    )
    assert len(pages) > 2
    for page in pages:
        assert "last" not in page.links
        for link in page.links.values():
            assert link["url"].startswith(canvas_server.url + "/api/v1/accounts/1/courses?")
            query = parse_qs(urlsplit(link["url"]).query)
            assert query["enrollment_term_id"] == [str(FALL)]
            assert query["include[]"] == ["total_students"]
    bookmarks = [parse_qs(urlsplit(p.links["next"]["url"]).query)["page"][0] for p in pages[:-1]]
    assert all(b.startswith("bookmark:") and not b[9:].isdigit() for b in bookmarks)
    courses = [c for page in pages for c in page.json()]
    expected = tiny_university.expected_courses([FALL], keep_without_students=True)
    assert [c["id"] for c in courses] == [c["id"] for c in expected]
    assert all(c["total_students"] == tiny_university.total_students(c["id"]) for c in courses)


def test_account_courses_filters(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    url = f"{canvas_server.url}/api/v1/accounts/1/courses"
    published = _follow(canvas_session, url, published="true", per_page=100)[0].json()
    # Canvas: published=true is available only; completed courses are not returned.
    assert {c["workflow_state"] for c in published} == {"available"}
    deleted = _follow(canvas_session, url, per_page=100, **{"state[]": "deleted"})[0].json()
    assert deleted and {c["workflow_state"] for c in deleted} == {"deleted"}
    with_enrollments = _follow(canvas_session, url, with_enrollments="true", per_page=100)
    ids = {c["id"] for c in with_enrollments[0].json()}
    assert ids and all(tiny_university.has_enrollments(cid) for cid in ids)
    sub = tiny_university.subaccount_ids(1, recursive=False)[0]
    sub_courses = _follow(
        canvas_session, f"{canvas_server.url}/api/v1/accounts/{sub}/courses", per_page=100
    )[0].json()
    owners = {sub, *tiny_university.subaccount_ids(sub)}
    assert sub_courses and all(c["account_id"] in owners for c in sub_courses)
    unknown_term = canvas_session.get(url, params={"enrollment_term_id": 999})
    assert unknown_term.status_code == 404


def test_sub_accounts_and_account(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    base = f"{canvas_server.url}/api/v1/accounts/1"
    every = _follow(canvas_session, f"{base}/sub_accounts", recursive="true", per_page=2)
    assert "last" in every[0].links
    assert [a["id"] for p in every for a in p.json()] == tiny_university.subaccount_ids(1)
    direct = canvas_session.get(f"{base}/sub_accounts", params={"per_page": 100}).json()
    assert all(a["parent_account_id"] == 1 for a in direct)
    assert canvas_session.get(base).json()["parent_account_id"] is None


def test_terms_wrapper(
    canvas_server: canvas_api.CanvasServer, canvas_session: requests.Session
) -> None:
    base = f"{canvas_server.url}/api/v1/accounts/1/terms"
    body = canvas_session.get(base).json()
    assert set(body) == {"enrollment_terms"}
    assert {t["id"] for t in body["enrollment_terms"]} == {107, 164, 165}
    single = canvas_session.get(f"{base}/{FALL}").json()
    assert single["name"] == "Fall 2026" and single["sis_term_id"] == "2310"
    assert canvas_session.get(f"{canvas_server.url}/api/v1/accounts/2/terms").status_code == 400


def test_course_restricted_stub_and_not_found(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    restricted = min(tiny_university.restricted_course_ids)
    stub = canvas_session.get(f"{canvas_server.url}/api/v1/courses/{restricted}").json()
    assert stub == {"id": restricted, "access_restricted_by_date": True}
    missing = canvas_session.get(f"{canvas_server.url}/api/v1/courses/42")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"message": "The specified resource does not exist."}]}
    full = canvas_session.get(
        f"{canvas_server.url}/api/v1/courses/{tiny_university.showcase_course_id}",
        params={"include[]": ["term", "total_students"]},
    ).json()
    assert full["term"]["id"] == FALL and full["total_students"] > 0


def test_sections_include_cross_listed(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    moved = next(s for s in tiny_university.sections if s["nonxlist_course_id"])
    url = f"{canvas_server.url}/api/v1/courses/{moved['course_id']}/sections"
    pages = _follow(canvas_session, url, per_page=1, **{"include[]": "total_students"})
    sections = [s for page in pages for s in page.json()]
    assert moved["id"] in {s["id"] for s in sections}
    assert all("total_students" in s for s in sections)
    assert "last" in pages[0].links


def test_enrollments_states_types_and_bookmarks(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    course = tiny_university.showcase_course_id
    url = f"{canvas_server.url}/api/v1/courses/{course}/enrollments"
    states = ["active", "invited", "completed", "inactive"]
    pages = _follow(canvas_session, url, per_page=4, **{"state[]": states})
    got = [e["id"] for page in pages for e in page.json()]
    expected = tiny_university.expected_enrollments([course], states, types=None)
    assert got == [e["id"] for e in expected]
    assert all("last" not in page.links for page in pages)
    default = canvas_session.get(url, params={"per_page": 100}).json()
    assert {e["enrollment_state"] for e in default} == {"active", "invited", "inactive"}
    teachers = canvas_session.get(url, params={"type[]": "TeacherEnrollment"}).json()
    assert teachers and {e["type"] for e in teachers} == {"TeacherEnrollment"}
    assert canvas_session.get(url, params={"state[]": "bogus"}).status_code == 400
    assert canvas_session.get(url, params={"page": "bookmark:!!"}).status_code == 400


def test_tabs_list_external_tools_without_include(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    url = f"{canvas_server.url}/api/v1/courses/{tiny_university.showcase_course_id}/tabs"
    plain = canvas_session.get(url)
    assert "Link" not in plain.headers
    assert plain.json() == canvas_session.get(url, params={"include[]": "external"}).json()
    tools = {t["id"]: t for t in plain.json() if t["type"] == "external"}
    assert "hidden" not in tools["context_external_tool_25194"]
    assert tools["context_external_tool_4352"]["hidden"] is True
    assert tools["context_external_tool_4352"]["visibility"] == "none"
    assert tools["context_external_tool_25194"]["url"].startswith(canvas_server.url)
    every_tab = [t for c in tiny_university.course_ids for t in tiny_university.tabs[c]]
    assert all(t.get("hidden", True) is True and t.get("unused", True) is True for t in every_tab)
    hidden_internal = [t for t in every_tab if t["type"] == "internal" and t.get("hidden")]
    unused = [t for t in every_tab if t.get("unused")]
    assert hidden_internal and unused
    assert {t["visibility"] for t in hidden_internal + unused} == {"admins"}
    shown_external = [t for t in every_tab if t["type"] == "external" and not t.get("hidden")]
    assert {t["visibility"] for t in shown_external} == {"public", "admins"}


def test_analytics_404_unless_available_or_completed_with_students(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    def status(course_id: int) -> int:
        url = f"{canvas_server.url}/api/v1/courses/{course_id}/analytics/activity"
        return canvas_session.get(url).status_code

    uni = tiny_university
    served = [
        c
        for c in uni.course_ids
        if uni.course_states[c] in ("available", "completed") and uni.has_students(c)
    ]
    completed = [c for c in served if uni.course_states[c] == "completed"]
    assert completed and status(completed[0]) == 200
    assert uni.expected_enrollments(completed, states=["active"])  # completed, still active
    assert status(uni.course_ids[1]) == 404  # available, teacher only
    unpublished = next(c for c in uni.course_ids if uni.course_states[c] == "claimed")
    assert status(unpublished) == 404


def test_audit_times_carry_offsets_and_the_long_log_pages(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    stamps = [
        e["created_at"] for c in tiny_university.course_ids for e in tiny_university.audit[c]
    ]
    assert any(s.endswith("-04:00") for s in stamps) and any(s.endswith("Z") for s in stamps)
    course = tiny_university.long_audit_course_id
    url = f"{canvas_server.url}/api/v1/audit/course/courses/{course}"
    pages = _follow(canvas_session, url, per_page=100)
    assert len(pages) == 2 and pages[1].request.url.count("bookmark:") == 1
    first_page = pages[0].json()["events"]
    published = [e for e in pages[1].json()["events"] if e["event_type"] == "published"]
    assert published and tiny_university.published_at(course) == published[-1]["created_at"]
    assert all(e["created_at"] != published[-1]["created_at"] for e in first_page)


def test_missing_rights_are_401_unauthorized(tiny_university: University) -> None:
    rights = canvas_api.Rights(roster=False, analytics=False, audit=False)
    course = tiny_university.showcase_course_id
    with canvas_api.start(tiny_university, rights=rights) as server:
        headers = {"Authorization": "Bearer sandbox-token"}
        for path in (
            f"courses/{course}/analytics/activity",
            f"audit/course/courses/{course}",
            f"courses/{course}/enrollments",
        ):
            response = requests.get(f"{server.url}/api/v1/{path}", headers=headers)
            assert response.status_code == 401, path
            assert response.json() == {
                "status": "unauthorized",
                "errors": [{"message": "user not authorized to perform that action"}],
            }
            assert response.headers["X-Request-Context-Id"]


def test_activity_and_audit(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    course = next(
        c
        for c in tiny_university.course_ids
        if len(tiny_university.audit[c]) > 2
        and tiny_university.activity[c]
        and tiny_university.has_students(c)
    )
    activity = canvas_session.get(
        f"{canvas_server.url}/api/v1/courses/{course}/analytics/activity"
    ).json()
    assert activity == tiny_university.activity[course]
    pages = _follow(
        canvas_session, f"{canvas_server.url}/api/v1/audit/course/courses/{course}", per_page=1
    )
    events = [e for page in pages for e in page.json()["events"]]
    assert events == tiny_university.audit[course]
    assert all(e["links"]["course"] == course for e in events)


@pytest.mark.parametrize(
    "injected",
    [
        Response(403, {"errors": [{"message": "user not authorized to perform that action"}]}),
        Response(502, "<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"}),
        Response(200, '{"broken": ', {"Content-Type": "application/json"}),
    ],
)
def test_fault_paths(
    tiny_university: University, canvas_session: requests.Session, injected: Response
) -> None:
    course = tiny_university.showcase_course_id
    path = f"/api/v1/courses/{course}/enrollments"
    with canvas_api.start(tiny_university, fault_paths={path: injected}) as server:
        hit = canvas_session.get(server.url + path)
        other = canvas_session.get(f"{server.url}/api/v1/courses/{course}/sections")
    assert hit.status_code == injected.status
    assert hit.text.startswith(injected.body[:5] if isinstance(injected.body, str) else "{")
    assert other.status_code == 200


def test_random_faults_and_stats(
    tiny_university: University, canvas_session: requests.Session
) -> None:
    with canvas_api.start(tiny_university, Faults(fail_first=2)) as server:
        statuses = [
            canvas_session.get(f"{server.url}/api/v1/accounts/1").status_code for _ in range(3)
        ]
        stats = server.stats.snapshot()
    assert statuses == [503, 503, 200]
    assert stats["requests"]["GET accounts/:id"] == 3
    assert stats["statuses"] == {503: 2, 200: 1}
