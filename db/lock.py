"""One run at a time per database: a MySQL named lock, or a lock file next to the SQLite file."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import filelock
import sqlalchemy as sa

from db.engine import describe
from vocab import DatabaseUnavailable, RunLockLost, RunLockTimeout

logger = logging.getLogger(__name__)

LOCK_NAME = "course_inventory_run"
# A named lock lives as long as its session, and that session idles while the jobs run: the
# server's wait_timeout (8 h by default, minutes on some managed servers) must not end it.
LOCK_SESSION_WAIT_TIMEOUT = 86_400


class RunLock(ABC):
    """The run lock as `with run_lock(...) as held` yields it; check it between jobs."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.released = False

    def still_held(self) -> bool:
        """Whether this run still holds the lock (on MySQL, asks the server)."""
        return not self.released and self._check()

    def ensure_held(self) -> None:
        """Raise RunLockLost unless the lock is still held."""
        if not self.still_held():
            raise RunLockLost(
                f"the run lock ({self.description}) is no longer held (its "
                f"database connection was closed?); another run may be writing, "
                f"so no further job starts"
            )

    @abstractmethod
    def _check(self) -> bool: ...


class _MySqlRunLock(RunLock):
    def __init__(self, conn: sa.Connection, name: str) -> None:
        super().__init__(f"MySQL named lock {name!r}")
        self.name = name
        self._conn = conn

    def _check(self) -> bool:
        try:
            held = self._conn.execute(
                sa.text("SELECT IS_USED_LOCK(:name) = CONNECTION_ID()"), {"name": self.name}
            ).scalar()
            self._conn.commit()
        except sa.exc.DBAPIError as err:
            logger.warning("run lock %s: its connection failed (%s)", self.name, err.orig)
            # Leave the connection usable (SQLAlchemy refuses to reconnect mid-transaction).
            with suppress(sa.exc.SQLAlchemyError):
                self._conn.rollback()
            return False
        return held == 1


class _FileRunLock(RunLock):
    def __init__(self, lock: filelock.FileLock) -> None:
        super().__init__(f"lock file {lock.lock_file}")
        self._lock = lock

    def _check(self) -> bool:
        return self._lock.is_locked and Path(self._lock.lock_file).exists()


@contextmanager
def run_lock(engine: sa.Engine, wait_seconds: float) -> Iterator[RunLock]:
    """Hold the database's run lock for the block, waiting up to `wait_seconds` for it.

    Yields:
        The held lock: call `still_held()` (or `ensure_held()`) before each job.

    Raises:
        RunLockTimeout: another runner kept the lock for the whole wait.
    """
    backend = engine.url.get_backend_name()
    holder = _sqlite_lock if backend == "sqlite" else _mysql_lock
    with holder(engine, wait_seconds) as held:
        yield held


def _timeout(engine: sa.Engine, wait_seconds: float) -> RunLockTimeout:
    return RunLockTimeout(
        f"another course-inventory run holds the run lock of "
        f"{describe(engine.url)}; gave up after waiting {wait_seconds:g} s"
    )


@contextmanager
def _mysql_lock(engine: sa.Engine, wait_seconds: float) -> Iterator[RunLock]:
    with engine.connect() as conn:
        try:
            held = _get_lock(conn, wait_seconds)
            if not isinstance(held, RunLock):
                raise _timeout(engine, wait_seconds) if held == 0 else _lock_error(engine)
            logger.debug("run lock %s acquired", held.name)
            try:
                yield held
            finally:
                held.released = True
                _release(conn, held.name)
        finally:
            # Close this session rather than pool it: its long wait_timeout stays with it.
            conn.invalidate()


def _lock_error(engine: sa.Engine) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"GET_LOCK on {describe(engine.url)} answered NULL: the server could not take the run "
        "lock (an error, not another run); check RUN_LOCK_WAIT_SECONDS and the server log"
    )


def _get_lock(conn: sa.Connection, wait_seconds: float) -> _MySqlRunLock | int | None:
    """The held lock, or what GET_LOCK answered instead: 0 after the wait, NULL on an error."""
    # GET_LOCK names are server-wide, so the database name keeps databases apart.
    name = f"{LOCK_NAME}.{conn.exec_driver_sql('SELECT DATABASE()').scalar()}"[:64]
    conn.exec_driver_sql(f"SET SESSION wait_timeout = {LOCK_SESSION_WAIT_TIMEOUT}")
    got = conn.execute(
        sa.text("SELECT GET_LOCK(:name, :wait)"), {"name": name, "wait": wait_seconds}
    ).scalar()
    # Named locks belong to the session, not the transaction: end the implicit one now.
    conn.commit()
    return _MySqlRunLock(conn, name) if got == 1 else got


def _release(conn: sa.Connection, name: str) -> None:
    try:
        conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        conn.commit()
    except sa.exc.SQLAlchemyError as err:
        # The server frees a named lock when its session ends, so nothing is left held.
        logger.warning(
            "could not release run lock %s (%s); the server frees it with the closed connection",
            name,
            getattr(err, "orig", None) or err,
        )


@contextmanager
def _sqlite_lock(engine: sa.Engine, wait_seconds: float) -> Iterator[RunLock]:
    path = Path(engine.url.database or "").resolve()
    lock = filelock.FileLock(f"{path}.lock", timeout=wait_seconds)
    try:
        lock.acquire()
    except filelock.Timeout as err:
        raise _timeout(engine, wait_seconds) from err
    held = _FileRunLock(lock)
    try:
        yield held
    finally:
        held.released = True
        lock.release()
