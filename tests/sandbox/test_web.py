"""The HTTP layer: decorator routes with typed path parameters, faults, per-endpoint counts."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.web import Emulator, Faults, Request, Response, Routes, start_server

routes = Routes()


class Shelf(Emulator):
    """A two-endpoint emulator: books by numeric id, shelves by name."""

    routes = routes

    @routes.get("/books/{book_id:int}")
    def book(self, request: Request, book_id: int) -> Response:
        return Response(200, {"id": book_id, "type": type(book_id).__name__}, items=1)

    @routes.get("/shelves/{name}/books")
    def shelf(self, request: Request, name: str) -> Response:
        return Response(200, [name] * 3, items=3)

    @routes.post("/books")
    def add(self, request: Request) -> Response:
        return Response(201, request.json(), throttled=request.arg("slow") == "1")


def _get(path: str, method: str = "GET", **query: Any) -> Request:
    return Request(method, path, {k: [v] for k, v in query.items()}, {})


def test_path_parameters_are_parsed_and_typed() -> None:
    shelf = Shelf()
    assert shelf(_get("/books/42")).body == {"id": 42, "type": "int"}
    assert shelf(_get("/shelves/poetry/books")).body == ["poetry"] * 3


def test_unmatched_paths_methods_and_types_are_not_found() -> None:
    shelf = Shelf()
    statuses = [
        shelf(request).status
        for request in (
            _get("/books/forty-two"),
            _get("/books/42", method="DELETE"),
            _get("/books/42/"),
            _get("/shelves/a/b/books"),
        )
    ]
    assert statuses == [404, 404, 404, 404]
    assert shelf.stats.requests == {"GET (unknown)": 3, "DELETE (unknown)": 1}


def test_trailing_slash_only_where_allowed() -> None:
    lenient = Routes(trailing_slash=True)
    lenient.get("/items/{item_id:int}")(lambda _self, _request, item_id: Response(200, item_id))
    route, params = lenient.match(_get("/items/7/"))
    assert route is not None and params == {"item_id": 7}
    strict_route, _ = routes.match(_get("/books/7/"))
    assert strict_route is None


def test_counts_by_endpoint_with_items_statuses_and_throttling() -> None:
    shelf = Shelf()
    shelf(_get("/books/1"))
    shelf(_get("/books/2"))
    shelf(_get("/shelves/x/books"))
    shelf(Request("POST", "/books", {"slow": ["1"]}, {}, b'{"title": "t"}'))
    shelf(_get("/nowhere"))
    snapshot = shelf.stats.snapshot()
    assert snapshot["requests"] == {
        "GET /books/{book_id:int}": 2,
        "GET /shelves/{name}/books": 1,
        "POST /books": 1,
        "GET (unknown)": 1,
    }
    assert snapshot["items"]["GET /books/{book_id:int}"] == 2
    assert snapshot["items"]["GET /shelves/{name}/books"] == 3
    assert snapshot["throttled"] == {"POST /books": 1}
    assert snapshot["statuses"] == {200: 3, 201: 1, 404: 1}
    shelf.stats.reset()
    assert shelf.stats.total_requests == 0


def test_faults_answer_before_the_handler_and_are_counted() -> None:
    shelf = Shelf(Faults(fail_first=2))
    statuses = [shelf(_get("/books/1")).status for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert shelf.stats.statuses == {503: 2, 200: 1}


def test_served_over_loopback_http() -> None:
    shelf = Shelf()
    with start_server(shelf, "shelf") as server:
        got = requests.get(f"{server.url}/books/9", timeout=10)
        missing = requests.get(f"{server.url}/books/nine", timeout=10)
    assert got.status_code == 200 and got.json() == {"id": 9, "type": "int"}
    assert missing.status_code == 404
    assert server.app is shelf and shelf.stats.total_requests == 2
