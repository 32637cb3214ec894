"""A tiny threaded HTTP server that hosts one sandbox emulator on a loopback port."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.web.messages import Request, Response

logger = logging.getLogger(__name__)

App = Callable[[Request], Response]


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
        self.app = app
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{name}",
            daemon=True,
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
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(app: App, name: str) -> RunningServer:
    """Serve ``app`` on a free loopback port in a daemon thread."""
    return RunningServer(app, name)
