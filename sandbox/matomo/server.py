"""Serve a MatomoEmulator on a loopback port with the standard library's threaded HTTP server."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.matomo.api import Answer, MatomoEmulator

logger = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    emulator: MatomoEmulator

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        form = dict(parse_qsl(body, keep_blank_values=True)) if self.command == "POST" else {}
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            answer = self.emulator.answer(parts.path, query, form)
        except Exception:  # an emulator bug must show up as a 500, not a hung client
            logger.exception("Matomo emulator failed on %s %s", self.command, parts.path)
            answer = Answer(500, "<html><body>Internal Server Error</body></html>", "text/html")
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        data = body.encode("utf-8")
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("Matomo emulator: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class MatomoServer:
    """A MatomoEmulator listening on 127.0.0.1; ``url`` ends in ``/index.php``."""

    def __init__(self, emulator: MatomoEmulator) -> None:
        handler = type("MatomoHandler", (_Handler,), {"emulator": emulator})
        self.emulator = emulator
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-matomo",
            daemon=True,
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/index.php"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> MatomoServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start(emulator: MatomoEmulator) -> MatomoServer:
    """Serve ``emulator`` on a free loopback port in a daemon thread."""
    return MatomoServer(emulator)
