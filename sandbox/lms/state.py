"""What the LMS emulator holds: courses, the report store, running tasks, signing keys."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sandbox.lms import reports
from sandbox.lms.courses import LmsCourse


@dataclass
class Task:
    task_id: str
    course_id: str
    task_type: str
    created: datetime
    polls_left: int
    state: str = "PROGRESS"


@dataclass
class LmsState:
    """Everything the emulator holds; tests reach in to arrange and to count."""

    courses: dict[str, LmsCourse]
    store: Path  # the report store root, in the `regular` layout
    clients: dict[str, str]
    token_lifetime_s: float = 3600.0
    polls_to_finish: int = 2
    never_finish: set[str] = field(default_factory=set)  # course ids whose tasks hang
    not_before: float = 0.0  # tokens issued before this (epoch s) are refused as expired
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    tasks: list[Task] = field(default_factory=list)
    triggers: list[tuple[str, str]] = field(default_factory=list)
    tokens_issued: int = 0
    max_running: int = 0
    signing_key: bytes = field(default_factory=lambda: uuid.uuid4().bytes)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def running(self) -> list[Task]:
        return [t for t in self.tasks if t.state == "PROGRESS"]

    def start_task(self, course_id: str, task_type: str) -> Task:
        """Start a report task as the instructor dashboard would."""
        with self.lock:
            polls = 10**9 if course_id in self.never_finish else self.polls_to_finish
            task = Task(str(uuid.uuid4()), course_id, task_type, self.clock(), polls)
            self.tasks.append(task)
            self.max_running = max(self.max_running, len(self.running()))
            return task

    def advance(self, course_id: str) -> None:
        """One poll of a course's listing or tasks: running tasks move towards done."""
        with self.lock:
            for task in self.running():
                if task.course_id == course_id:
                    task.polls_left -= 1
                    if task.polls_left <= 0:
                        self._finish(task)

    def _finish(self, task: Task) -> None:
        csv_name, content = reports.render(self.courses[task.course_id], task.task_type)
        # The grade report is stamped when uploaded, the other two when the task started.
        moment = self.clock() if task.task_type == "grade_course" else task.created
        folder = self.store / hashlib.sha1(task.course_id.encode()).hexdigest()
        folder.mkdir(parents=True, exist_ok=True)
        prefix = reports.filename_prefix(task.course_id)
        name = f"{prefix}_{csv_name}_{moment.astimezone(UTC):%Y-%m-%d-%H%M}.csv"
        (folder / name).write_bytes(content)
        task.state = "SUCCESS"

    def signature(self, path: str, expires: str) -> str:
        return hmac.new(self.signing_key, f"{path}:{expires}".encode(), "sha256").hexdigest()
