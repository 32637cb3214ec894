"""A tiny threaded HTTP server that hosts one sandbox emulator on a loopback port."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)


@dataclass
class Request:
    """What an emulator sees of one HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter, or the default."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, matched case-insensitively."""
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    """What an emulator answers; dict and list bodies are sent as JSON."""

    status: int = 200
    body: bytes | str | dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body, default=str)
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        if isinstance(body, str):
            body = body.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return body or b"", headers


App = Callable[[Request], Response]


@dataclass
class Faults:
    """Latency and failures an emulator injects, so tests and benchmarks can exercise clients.

    Rates are probabilities per request. ``fail_first`` makes the first N matching requests
    return 503, which gives tests a deterministic burst of server errors.
    """

    latency_s: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_s: float = 5.0
    malformed_rate: float = 0.0
    html_error_rate: float = 0.0
    fail_first: int = 0
    seed: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def _take_forced_failure(self) -> bool:
        with self._lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return True
            return False

    def apply(self, request: Request) -> Response | None:
        """Sleep the latency, then maybe return an injected faulty response."""
        if self.latency_s:
            time.sleep(self.latency_s)
        if self._take_forced_failure() or (self.error_rate and self._draw() < self.error_rate):
            return Response(503, {"errors": [{"message": "Service Unavailable"}]})
        if self.timeout_rate and self._draw() < self.timeout_rate:
            time.sleep(self.timeout_s)
            return Response(504, "Gateway Timeout")
        if self.html_error_rate and self._draw() < self.html_error_rate:
            html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
            return Response(502, html, {"Content-Type": "text/html"})
        if self.malformed_rate and self._draw() < self.malformed_rate:
            return Response(200, '{"truncated": [1, 2', {"Content-Type": "application/json"})
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed ACK
    # stalls every response by ~40 ms (22 req/s on one connection instead of ~600).
    disable_nagle_algorithm = True
    app: App

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        try:
            response = type(self).app(request)
        except Exception:  # an emulator bug must show up as a 500, not a hung client
            logger.exception("sandbox emulator failed on %s %s", self.command, parts.path)
            response = Response(500, {"errors": [{"message": "emulator error"}]})
        body, headers = response.encoded()
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout fired); nothing is left to answer.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox %s: " + format, self.server.server_address, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class RunningServer:
    """An emulator listening on 127.0.0.1; stop it with ``stop()`` or a ``with`` block."""

    def __init__(self, app: App, name: str) -> None:
        handler = type(f"{name}Handler", (_Handler,), {"app": staticmethod(app)})
        self.name = name
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"sandbox-{name}", daemon=True
        )
        self._thread.start()
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        logger.debug("sandbox %s listening on %s", name, self.url)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(app: App, name: str) -> RunningServer:
    """Serve ``app`` on a free loopback port in a daemon thread."""
    return RunningServer(app, name)
