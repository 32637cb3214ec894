"""Tests of the shared HTTP plumbing against a tiny loopback server."""

from __future__ import annotations

import itertools
import threading

import pytest
import requests

import redaction
from sandbox.web import Request, Response, start_server
from sources import http
from sources.retry import RetryPolicy
from vocab import DataSourceName, FatalSourceError, ResourceNotFound, RetriableSourceError

SOURCE = DataSourceName.CANVAS_API


def _session(max_attempts: int = 4, **overrides: object) -> http.TimeoutSession:
    policy = RetryPolicy(attempts=max_attempts, factor=0.0, jitter=0.0)
    options = {"policy": policy, "pool_size": 2, "timeout": 5.0, **overrides}
    return http.build_session(**options)  # type: ignore[arg-type]


def _get(session: requests.Session, url: str) -> requests.Response:
    response = http.send(session, "GET", url, SOURCE)
    http.raise_for_status(response, SOURCE)
    return response


def test_server_errors_are_retried_until_success() -> None:
    calls = itertools.count(1)

    def app(request: Request) -> Response:
        return Response(503, "busy") if next(calls) <= 2 else Response(200, {"ok": True})

    session = _session()
    with start_server(app, "flaky") as server:
        assert http.decode_json(_get(session, f"{server.url}/x"), SOURCE) == {"ok": True}
    assert session.stats.as_dict() == {"requests": 3, "retries": 2, "throttled": 0}


def test_server_errors_give_up_after_max_attempts() -> None:
    session = _session(max_attempts=3)

    def app(request: Request) -> Response:
        return Response(500, {"errors": [{"message": "boom"}]})

    expected = pytest.raises(RetriableSourceError, match=r"HTTP 500.*boom")
    with start_server(app, "down") as server, expected:
        _get(session, f"{server.url}/api/v1/courses")
    assert session.stats.requests == 3


def test_429_honours_retry_after_then_succeeds() -> None:
    calls = itertools.count(1)

    def app(request: Request) -> Response:
        if next(calls) == 1:
            return Response(429, "slow down", {"Retry-After": "0"})
        return Response(200, [])

    session = _session()
    with start_server(app, "throttle") as server:
        _get(session, f"{server.url}/x")
    assert session.stats.throttled == 1


@pytest.mark.parametrize("status", [403, 404, 401])
def test_client_errors_are_not_retried(status: int) -> None:
    body = {"errors": [{"message": "user not authorized to perform that action"}]}
    session = _session()
    with start_server(lambda r: Response(status, body), "deny") as server:
        expected = ResourceNotFound if status == 404 else FatalSourceError
        with pytest.raises(expected, match="not authorized") as caught:
            _get(session, f"{server.url}/api/v1/courses/5?access_token=abcdef123")
    assert session.stats.requests == 1
    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert "/api/v1/courses/5" in message
    assert "abcdef123" not in message
    assert not isinstance(caught.value, RetriableSourceError)


def test_rate_limit_403_is_retriable_permission_403_is_not() -> None:
    with start_server(lambda r: Response(403, "403 Forbidden (Rate Limit Exceeded)\n"), "rl") as s:
        response = _session().get(f"{s.url}/x")
    assert http.is_rate_limited(response)
    with pytest.raises(RetriableSourceError, match="Rate Limit Exceeded"):
        http.raise_for_status(response, SOURCE)


def test_every_request_has_a_timeout() -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response(200, {})

    session = _session(timeout=0.2, max_attempts=1)
    with start_server(slow, "slow") as server:
        with pytest.raises(RetriableSourceError, match="Timeout"):
            _get(session, f"{server.url}/x")
        release.set()


def test_connection_refused_is_retriable() -> None:
    with start_server(lambda r: Response(200, {}), "gone") as server:
        url = server.url
    with pytest.raises(RetriableSourceError, match="ConnectionError"):
        _get(_session(max_attempts=2), f"{url}/x")


def test_html_page_and_malformed_json_are_clear_fatal_errors() -> None:
    def app(request: Request) -> Response:
        if request.path == "/html":
            return Response(200, "<html><body>Login</body></html>", {"Content-Type": "text/html"})
        return Response(200, '{"truncated": [1, 2', {"Content-Type": "application/json"})

    session = _session()
    with start_server(app, "odd") as server:
        with pytest.raises(FatalSourceError, match="HTML page"):
            http.decode_json(_get(session, f"{server.url}/html"), SOURCE)
        with pytest.raises(FatalSourceError, match="malformed JSON"):
            http.decode_json(_get(session, f"{server.url}/json"), SOURCE)


def test_redaction_of_urls_and_headers() -> None:
    url = "https://user:pw@canvas.test/api/v1/x?access_token=s3cr3t&per_page=100&state[]=a"
    redacted = redaction.redact_url(url)
    assert "s3cr3t" not in redacted and "pw" not in redacted
    assert "per_page=100" in redacted and "state[]=a" in redacted
    headers = redaction.redact_headers({"Authorization": "Bearer s3cr3t", "Accept": "json"})
    assert headers == {"Authorization": "Bearer ***", "Accept": "json"}


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _clear_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def proxy(request: Request) -> Response:
        return Response(200, {"host": request.header("Host"), "path": request.path})

    _clear_proxy_environment(monkeypatch)
    with start_server(proxy, "proxy") as server:
        monkeypatch.setenv("HTTP_PROXY", server.url)
        session = _session()
        body = http.decode_json(_get(session, "http://canvas.example.invalid/api/v1/x"), SOURCE)
    # The name does not resolve: only the proxy could have answered.
    assert body == {"host": "canvas.example.invalid", "path": "/api/v1/x"}


def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_proxy_environment(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    session = _session(max_attempts=1)
    with start_server(lambda request: Response(200, {"direct": True}), "direct") as server:
        assert http.decode_json(_get(session, f"{server.url}/x"), SOURCE) == {"direct": True}


def test_ca_bundle_is_read_from_the_environment_when_the_session_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/campus-ca.pem")
    session = _session()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/elsewhere.pem")  # later changes are not consulted
    assert session.verify == "/etc/ssl/campus-ca.pem"
    assert session.trust_env is False
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert _session().verify is True
