"""Canvas GraphQL on the real schema: aliases, Relay pagination, filters, nulls and errors."""

from __future__ import annotations

import base64
from typing import Any

import requests

from sandbox import canvas as canvas_api
from sandbox.university import University

ENROLLMENTS = """
query Enrollments($id: ID!, $after: String, $states: [EnrollmentWorkflowState!]) {
  course(id: $id) {
    _id
    enrollmentsConnection(first: 5, after: $after, filter: {states: $states}) {
      nodes { _id state type user { _id } section { _id name } course { _id } }
      edges { cursor node { _id } }
      pageInfo { endCursor hasNextPage }
    }
  }
}
"""


def _post(
    server: canvas_api.CanvasServer, session: requests.Session, query: str, **variables: Any
) -> dict:
    response = session.post(
        f"{server.url}/api/graphql", json={"query": query, "variables": variables}
    )
    assert response.status_code == 200
    return response.json()


def test_aliases_and_unknown_course(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    first, second = tiny_university.course_ids[:2]
    query = (
        f'{{ a: course(id: "{first}") {{ _id name state }} '
        f'b: course(id: "{second}") {{ _id }} missing: course(id: "42") {{ _id }} }}'
    )
    body = _post(canvas_server, canvas_session, query)
    assert body["data"]["a"]["_id"] == str(first)
    assert body["data"]["a"]["name"] == tiny_university.course_by_id[first]["name"]
    assert body["data"]["b"] == {"_id": str(second)}
    assert body["data"]["missing"] is None
    assert "errors" not in body  # Canvas: an unknown course is null without an error


def test_enrollment_pages_follow_end_cursor(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    course = tiny_university.showcase_course_id
    states = ["active", "invited", "completed", "inactive"]
    nodes, after = [], None
    while True:
        body = _post(
            canvas_server, canvas_session, ENROLLMENTS, id=str(course), after=after, states=states
        )
        connection = body["data"]["course"]["enrollmentsConnection"]
        nodes += connection["nodes"]
        assert [e["cursor"] for e in connection["edges"]][-1:] == (
            [connection["pageInfo"]["endCursor"]] if connection["nodes"] else []
        )
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    expected = tiny_university.expected_enrollments([course], states, types=None)
    assert [n["_id"] for n in nodes] == [str(e["id"]) for e in expected]
    assert [n["section"]["_id"] for n in nodes] == [str(e["course_section_id"]) for e in expected]
    assert {n["course"]["_id"] for n in nodes} == {str(course)}


def test_default_filter_skips_deleted(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    query = """query($id: ID!) { course(id: $id) { enrollmentsConnection(first: 100) {
        nodes { state type } } } }"""
    course = tiny_university.showcase_course_id
    body = _post(canvas_server, canvas_session, query, id=str(course))
    states = {n["state"] for n in body["data"]["course"]["enrollmentsConnection"]["nodes"]}
    assert "deleted" not in states and "rejected" in states
    typed = """query($id: ID!) { course(id: $id) {
        enrollmentsConnection(filter: {types: [TeacherEnrollment]}) { nodes { type } } } }"""
    nodes = _post(canvas_server, canvas_session, typed, id=str(course))["data"]["course"][
        "enrollmentsConnection"
    ]["nodes"]
    assert nodes and {n["type"] for n in nodes} == {"TeacherEnrollment"}


def test_sections_connection_and_global_id(
    canvas_server: canvas_api.CanvasServer,
    canvas_session: requests.Session,
    tiny_university: University,
) -> None:
    course = tiny_university.showcase_course_id
    global_id = base64.b64encode(f"Course-{course}".encode()).decode()
    query = """query($id: ID!) { course(id: $id) { _id sectionsConnection(first: 1) {
        nodes { _id name sisId } pageInfo { hasNextPage endCursor } } } }"""
    body = _post(canvas_server, canvas_session, query, id=global_id)
    connection = body["data"]["course"]["sectionsConnection"]
    first = tiny_university.sections_by_course[course][0]
    assert connection["nodes"] == [
        {"_id": str(first["id"]), "name": first["name"], "sisId": first["sis_section_id"]}
    ]
    assert connection["pageInfo"]["hasNextPage"] is True


def test_errors_and_auth(
    canvas_server: canvas_api.CanvasServer, canvas_session: requests.Session
) -> None:
    url = f"{canvas_server.url}/api/graphql"
    syntax = canvas_session.post(url, json={"query": "{ course(id: "})
    assert syntax.status_code == 200 and syntax.json()["errors"]
    unknown_field = canvas_session.post(url, json={"query": '{ course(id: "1") { nope } }'})
    assert "data" not in unknown_field.json() and unknown_field.json()["errors"]
    in_body = requests.post(
        url, json={"query": '{ course(id: "1") { _id } }', "access_token": "sandbox-token"}
    )
    assert in_body.status_code == 401
