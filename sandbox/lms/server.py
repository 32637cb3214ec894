"""Start the LMS emulator on a loopback port over the sandbox's report store."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sandbox.lms.app import LmsState, make_app
from sandbox.lms.courses import LmsCourse, default_courses
from sandbox.server import RunningServer, start_server

CLIENT_ID = "sandbox-reports-client"
CLIENT_SECRET = "sandbox-reports-secret"


class LmsServer:
    """A running emulator: ``url``, ``state`` to arrange and inspect, ``stop()``."""

    def __init__(self, state: LmsState, server: RunningServer) -> None:
        self.state = state
        self.url = server.url
        self._server = server

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> LmsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(store: Path, courses: Iterable[LmsCourse] | None = None, **options: object) -> LmsServer:
    """Serve the LMS emulator; ``options`` set LmsState fields (polls_to_finish, ...)."""
    catalogue = {c.course_id: c for c in (courses if courses is not None else default_courses())}
    state = LmsState(catalogue, store, {CLIENT_ID: CLIENT_SECRET}, **options)  # type: ignore[arg-type]
    return LmsServer(state, start_server(make_app(state), "lms"))
