"""Apply the yoyo migrations in db/migrations to the engine's database, under yoyo's lock."""

from __future__ import annotations

import logging
import sqlite3
import warnings
from contextlib import suppress
from pathlib import Path

import pymysql
import yoyo
from sqlalchemy.engine import URL, Engine
from yoyo.connections import BadConnectionURI
from yoyo.exceptions import LockTimeout, MigrationConflict

from db.engine import describe
from db.lock import RunLock
from vocab import MigrationError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LOCK_TIMEOUT_SECONDS = 120


def yoyo_url(url: URL) -> str:
    """Translate a SQLAlchemy URL to the form yoyo 9 accepts (mysql://, sqlite:////abs)."""
    backend = url.get_backend_name()
    if backend in ("mysql", "mariadb"):
        # yoyo's MySQL backend always drives PyMySQL and knows no "+pymysql" suffix.
        return url.set(drivername="mysql").render_as_string(hide_password=False)
    if backend == "sqlite":
        return f"sqlite:///{Path(url.database or '').resolve()}"
    raise MigrationError(f"no yoyo backend for {url.drivername!r}")


def migrate(engine: Engine, run_lock: RunLock | None = None) -> list[str]:
    """Apply the pending migrations; a second call is a no-op.

    yoyo's lock is taken only when something is pending. Under the run lock the caller holds
    (db.lock.run_lock, passed as ``run_lock``) no other run can be migrating, so a yoyo lock
    found then was left by a run killed while migrating, and is removed.

    Returns:
        The ids of the migrations applied by this call, in order.

    Raises:
        MigrationError: the database could not be opened, the lock stayed taken, or a
            migration failed.
    """
    backend = _open_backend(engine)
    try:
        under_lock = run_lock is not None and run_lock.still_held()
        return _apply_pending(backend, engine, under_lock)
    except (LockTimeout, MigrationConflict, backend.driver.Error) as err:
        raise MigrationError(_failure_message(engine, err)) from err
    finally:
        with suppress(backend.driver.Error):
            backend.connection.close()


def _open_backend(engine: Engine) -> yoyo.backends.DatabaseBackend:
    with warnings.catch_warnings():
        # yoyo passes db= to PyMySQL, which warns that the keyword is deprecated.
        warnings.filterwarnings("ignore", message=".*'db' is deprecated", category=Warning)
        try:
            return yoyo.get_backend(yoyo_url(engine.url))
        except (pymysql.MySQLError, sqlite3.Error, BadConnectionURI) as err:
            raise MigrationError(
                f"cannot open {describe(engine.url)} to apply migrations: {_first_line(err)}"
            ) from err


def _apply_pending(
    backend: yoyo.backends.DatabaseBackend, engine: Engine, under_lock: bool
) -> list[str]:
    migrations = yoyo.read_migrations(str(MIGRATIONS_DIR))
    if under_lock:
        _break_stale_lock(backend)
    if not backend.to_apply(migrations):
        return []
    with backend.lock(timeout=LOCK_TIMEOUT_SECONDS):
        pending = backend.to_apply(migrations)  # again: another migrator may have finished
        if pending:
            logger.info("applying %d migration(s) to %s", len(pending), describe(engine.url))
        backend.apply_migrations(pending)
    return [migration.id for migration in pending]


def _break_stale_lock(backend: yoyo.backends.DatabaseBackend) -> None:
    with backend.transaction():
        row = backend.execute(f"SELECT pid, ctime FROM {backend.lock_table_quoted}").fetchone()
    if row is None:
        return
    logger.warning(
        "removing the yoyo lock of process %s (taken at %s UTC), left by a run that "
        "stopped while migrating: this run holds the run lock, so no other run is "
        "migrating",
        row[0],
        row[1],
    )
    backend.break_lock()


def _failure_message(engine: Engine, err: Exception) -> str:
    message = f"migrating {describe(engine.url)} failed: {_first_line(err)}"
    if isinstance(err, LockTimeout):
        message += (
            "; if no course-inventory run is migrating this database, the lock was left "
            "by a run killed while migrating: remove it with DELETE FROM yoyo_lock "
            "(docs/operations.md)"
        )
    return message


def _first_line(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0]
