"""What a missing Canvas right looks like, and how COURSE_INVENTORY answers it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sources.canvas import SOURCE
from vocab import FatalSourceError

logger = logging.getLogger(__name__)

T = TypeVar("T")
ANALYTICS_RIGHT = "view_analytics right (GET courses/:id/analytics/activity)"
AUDIT_RIGHT = "view_course_changes right (GET audit/course/courses/:id)"
FAIL_AFTER_REFUSALS = 20


def is_unauthorized(err: Exception) -> bool:
    """Canvas's answer to a missing right: 401 "user not authorized to perform that action"."""
    return "HTTP 401" in str(err) and "not authorized" in str(err)


@contextmanager
def requiring(right: str) -> Iterator[None]:
    """Name the missing right when Canvas answers 401 unauthorized (a role, not a token)."""
    try:
        yield
    except FatalSourceError as err:
        if not is_unauthorized(err):
            raise
        raise FatalSourceError(f"the token's role lacks the {right}: {err}", SOURCE) from err


class Refusals:
    """Courses Canvas refused (401 unauthorized) for one kind of read.

    One refused course is skipped and counted; a role without the right is refused for
    every course, so refusals with nothing read fail the job, naming the right, after
    ``FAIL_AFTER_REFUSALS`` courses rather than after thousands.
    """

    def __init__(self, right: str) -> None:
        self.right = right
        self.refused = 0
        self.read = 0
        self.last = ""
        self._lock = threading.Lock()

    def call(self, read: Callable[[], T]) -> T | None:
        try:
            result = read()
        except FatalSourceError as err:
            if not is_unauthorized(err):
                raise
            with self._lock:
                self.refused += 1
                self.last = str(err)
                hopeless = self.read == 0 and self.refused >= FAIL_AFTER_REFUSALS
            if hopeless:
                raise self._error() from err
            logger.warning("%s; course skipped", err)
            return None
        with self._lock:
            self.read += 1
        return result

    def finish(self, what: str) -> None:
        if self.refused and not self.read:
            raise self._error()
        if self.refused:
            logger.warning("%s: %d courses refused (401) and skipped", what, self.refused)

    def _error(self) -> FatalSourceError:
        return FatalSourceError(
            f"the token's role lacks the {self.right}: {self.refused} courses refused, "
            f"none read; last: {self.last}",
            SOURCE,
        )
