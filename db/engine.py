"""SQLAlchemy engines for MariaDB/MySQL (PyMySQL) and SQLite, and waiting for the server."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from vocab import DatabaseUnavailable, ETLError

if TYPE_CHECKING:
    from settings import DbSettings

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Waiting for the database at start: 0.5 s, doubling, never more than 10 s between tries.
FIRST_WAIT_S = 0.5
LONGEST_WAIT_S = 10.0
# MySQL errors that waiting cannot fix, and what fixes them.
_FATAL_CONNECT_ERRORS = {
    1044: "grant the user rights on this database (GRANT ALL ON db.* TO user)",
    1045: "check INVENTORY_DB's user and password (URL-encode @, : and / in a URL)",
    1049: "create the database (CREATE DATABASE name CHARACTER SET utf8mb4) or fix its name",
}


def make_engine(settings: DbSettings) -> Engine:
    """Build the engine for `settings.url` (mysql[+pymysql]/mariadb or a SQLite file)."""
    url = make_url(settings.url)
    backend = url.get_backend_name()
    if backend in ("mysql", "mariadb"):
        return _mysql_engine(url, settings)
    if backend == "sqlite":
        return _sqlite_engine(url)
    raise ETLError(f"unsupported database URL scheme {url.drivername!r} (use mysql or sqlite)")


def sqlite_file_missing(settings: DbSettings) -> bool:
    """Whether the settings name a SQLite file that does not exist (yet)."""
    url = make_url(settings.url)
    return url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()


def _mysql_engine(url: URL, settings: DbSettings) -> Engine:
    url = url.set(drivername=f"{url.get_backend_name()}+pymysql")
    connect_args: dict[str, Any] = {
        "charset": "utf8mb4",
        "local_infile": True,
        # Without these PyMySQL waits forever on a server that stopped answering.
        "connect_timeout": max(1, round(settings.connect_timeout)),
        "read_timeout": max(1, round(settings.read_timeout)),
        "write_timeout": max(1, round(settings.read_timeout)),
        # DATETIME columns hold naive UTC; make server-side NOW() agree with them.
        "init_command": "SET time_zone = '+00:00'",
    }
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_recycle=3600)


def _sqlite_engine(url: URL) -> Engine:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise ETLError("SQLite needs a file path, e.g. sqlite:///data/inventory.sqlite")
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _on_sqlite_begin): pysqlite's implicit
    # transactions skip SELECTs, so a reader would not get one snapshot for several queries.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def describe(url: URL) -> str:
    """Name the server and database of `url` without user or password."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite file {url.database}"
    return f"{url.host or 'localhost'}:{url.port or 3306}/{url.database or ''}"


def wait_for_database(engine: Engine, total_seconds: float) -> None:
    """Wait until `engine` answers `SELECT 1`, with bounded exponential backoff.

    Raises:
        DatabaseUnavailable: still unreachable after `total_seconds`, or access denied.
    """
    deadline = time.monotonic() + total_seconds
    delay = FIRST_WAIT_S
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return
        except sa.exc.DBAPIError as err:
            remaining = deadline - time.monotonic()
            if _is_fatal(err) or remaining <= 0:
                message = _unavailable_message(engine, total_seconds, err)
                raise DatabaseUnavailable(message) from err
            logger.info(
                "database %s not reachable yet (%s); retrying in %.1f s",
                describe(engine.url),
                _first_line(err),
                min(delay, remaining),
            )
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, LONGEST_WAIT_S)


def error_code(err: sa.exc.DBAPIError) -> int | None:
    """The MySQL error number behind a SQLAlchemy DBAPIError, if there is one."""
    args = getattr(err.orig, "args", None) or (None,)
    return args[0] if isinstance(args[0], int) else None


def _is_fatal(err: sa.exc.DBAPIError) -> bool:
    return error_code(err) in _FATAL_CONNECT_ERRORS


def _unavailable_message(engine: Engine, total_seconds: float, err: sa.exc.DBAPIError) -> str:
    fix = _FATAL_CONNECT_ERRORS.get(error_code(err) or 0)
    if fix:
        return f"database {describe(engine.url)}: {_first_line(err)}; waiting cannot fix it: {fix}"
    return (
        f"database {describe(engine.url)} unavailable after waiting up to "
        f"{total_seconds:.0f} s: {_first_line(err)}"
    )


def _first_line(err: sa.exc.DBAPIError) -> str:
    return str(err.orig).splitlines()[0] if err.orig is not None else str(err).splitlines()[0]
