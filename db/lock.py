"""One run at a time per database: a MySQL named lock, or a lock file next to the SQLite file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
import sqlalchemy as sa

from db.engine import describe
from vocab import ETLError

logger = logging.getLogger(__name__)

LOCK_NAME = "course_inventory_run"


class RunLockTimeout(ETLError):  # noqa: N818 - the name the contract gives
    """Another run holds the run lock of this database."""


@contextmanager
def run_lock(engine: sa.Engine, wait_seconds: float) -> Iterator[None]:
    """Hold the database's run lock for the block, waiting up to `wait_seconds` for it.

    Raises:
        RunLockTimeout: another runner kept the lock for the whole wait.
    """
    backend = engine.url.get_backend_name()
    holder = _sqlite_lock if backend == "sqlite" else _mysql_lock
    with holder(engine, wait_seconds):
        yield


def _timeout(engine: sa.Engine, wait_seconds: float) -> RunLockTimeout:
    return RunLockTimeout(f"another course-inventory run holds the run lock of "
                          f"{describe(engine.url)}; gave up after waiting {wait_seconds:g} s")


@contextmanager
def _mysql_lock(engine: sa.Engine, wait_seconds: float) -> Iterator[None]:
    # GET_LOCK names are server-wide, so the database name keeps databases apart.
    with engine.connect() as conn:
        name = f"{LOCK_NAME}.{conn.exec_driver_sql('SELECT DATABASE()').scalar()}"[:64]
        got = conn.execute(sa.text("SELECT GET_LOCK(:name, :wait)"),
                           {"name": name, "wait": wait_seconds}).scalar()
        # Named locks belong to the session, not the transaction: end the implicit one now.
        conn.commit()
        if got != 1:
            raise _timeout(engine, wait_seconds)
        logger.debug("run lock %s acquired", name)
        try:
            yield
        finally:
            _release(conn, name)


def _release(conn: sa.Connection, name: str) -> None:
    try:
        conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        conn.commit()
    except sa.exc.DBAPIError as err:
        # The server frees a named lock when its session ends, so nothing is left held.
        logger.warning("could not release run lock %s (%s); the server frees it with the "
                       "closed connection", name, err.orig)


@contextmanager
def _sqlite_lock(engine: sa.Engine, wait_seconds: float) -> Iterator[None]:
    path = Path(engine.url.database or "").resolve()
    lock = filelock.FileLock(f"{path}.lock", timeout=wait_seconds)
    try:
        lock.acquire()
    except filelock.Timeout as err:
        raise _timeout(engine, wait_seconds) from err
    try:
        yield
    finally:
        lock.release()
