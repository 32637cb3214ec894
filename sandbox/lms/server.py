"""Start the LMS emulator on a loopback port over the sandbox's report store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.lms import reports
from sandbox.lms.app import LmsEmulator
from sandbox.lms.courses import LmsCourse, default_courses
from sandbox.lms.state import LmsState
from sandbox.web import Faults, RunningServer, start_server

CLIENT_ID = "sandbox-reports-client"
CLIENT_SECRET = "sandbox-reports-secret"


class LmsServer:
    """A running emulator: ``url``, ``state`` to arrange and inspect, ``stop()``."""

    def __init__(self, emulator: LmsEmulator, server: RunningServer) -> None:
        self.emulator = emulator
        self.state = emulator.state
        self.url = server.url
        self._server = server

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> LmsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    store: Path,
    courses: Iterable[LmsCourse] | None = None,
    faults: Faults | None = None,
    **options: Any,
) -> LmsServer:
    """Serve the LMS emulator; ``options`` set LmsState fields (polls_to_finish, ...)."""
    catalogue = {c.course_id: c for c in (courses if courses is not None else default_courses())}
    state = LmsState(catalogue, store, {CLIENT_ID: CLIENT_SECRET}, **options)
    emulator = LmsEmulator(state, faults)
    return LmsServer(emulator, start_server(emulator, "lms"))


def start_sandbox(store: Path) -> LmsServer:
    """The emulator as ``--sandbox`` runs it: quick tasks, and a grade report an instructor made
    from the dashboard two days ago already in the store, for collect mode to find."""
    courses = default_courses()
    demo = next(c for c in courses if c.course_id == "edX/DemoX/Demo_Course")
    folder = store / hashlib.sha1(demo.course_id.encode()).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    moment = datetime.now(UTC) - timedelta(days=2)
    name = f"{reports.filename_prefix(demo.course_id)}_grade_report_{moment:%Y-%m-%d-%H%M}.csv"
    content = reports.render(demo, "grade_course")[1]
    (folder / name).write_bytes(content[: content.rstrip().rfind(b"\r\n") + 2])
    return start(store, courses, polls_to_finish=1)
