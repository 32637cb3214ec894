"""Atomic multi-table replace on MySQL: load `<t>__stage` copies, then one RENAME TABLE."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa

from db.engine import error_code
from db.frames import TableInfo
from db.mysql_bulk import quote
from db.writer import Writer
from vocab import LoadError

logger = logging.getLogger(__name__)

STAGE, OLD, PROBE = "__stage", "__old", "__probe"
LOCK_WAIT_TIMEOUT_ERROR = 1205
# A swap blocked by a reader waits this much longer before each new attempt.
SWAP_WAIT_STEP_S = 2.0
# Below this many rows, building secondary indexes after the load is not worth two ALTERs.
DEFERRED_INDEX_MIN_ROWS = 50_000


def replace_tables(
    engine: sa.Engine,
    writer: Writer,
    frames: Mapping[str, tuple[pd.DataFrame, TableInfo]],
    *,
    lock_wait_timeout: int,
    attempts: int,
) -> None:
    """Load each frame into a stage copy of its table, then swap all stages in at once.

    Readers see either every old table or every new one. If anything fails, the stage
    tables are dropped and the live tables are untouched.
    """
    tables = list(frames)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        session = int(conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())
        # Bounds every metadata-lock wait of this session, not only the RENAME.
        conn.exec_driver_sql(f"SET SESSION lock_wait_timeout = {int(lock_wait_timeout)}")
        try:
            _drop(conn, [t + s for t in tables for s in (STAGE, OLD)])
            for df, info in frames.values():
                _load_stage(conn, writer, df, info)
            _rename_with_retries(conn, tables, lock_wait_timeout, attempts)
            _drop(conn, [t + OLD for t in tables])
        except Exception:
            _end_session(conn, tables)
            raise
        except BaseException:
            _abandon(engine, conn, session, tables)
            raise
        _end_session(conn, tables)


def _end_session(conn: sa.Connection, tables: list[str]) -> None:
    _drop(conn, [t + STAGE for t in tables])
    conn.exec_driver_sql("SET SESSION lock_wait_timeout = DEFAULT")


def _abandon(engine: sa.Engine, conn: sa.Connection, session: int, tables: list[str]) -> None:
    """A stop (SIGTERM) cut a statement short: end it on the server too, then clean up.

    The server would otherwise go on with it, e.g. a RENAME waiting behind a reader would
    swap the tables after the run was recorded as stopped. The cut session is unusable, so
    the cleanup runs on a new one; a failure there is only logged, never hides the stop.
    """
    conn.invalidate()
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
            other.exec_driver_sql(f"KILL {int(session)}")
            _drop(other, [t + STAGE for t in tables])
    except sa.exc.SQLAlchemyError as err:
        logger.warning("after the stop, could not end session %s cleanly: %s", session, err)


def _drop(conn: sa.Connection, tables: list[str]) -> None:
    if tables:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {', '.join(quote(t) for t in tables)}")


def _load_stage(conn: sa.Connection, writer: Writer, df: pd.DataFrame, info: TableInfo) -> None:
    stage = info.name + STAGE
    started = time.monotonic()
    conn.exec_driver_sql(f"CREATE TABLE {quote(stage)} LIKE {quote(info.name)}")
    indexes = _secondary_indexes(conn, stage) if len(df) >= DEFERRED_INDEX_MIN_ROWS else {}
    if indexes:
        # Random-order secondary keys halve LOAD DATA speed; a sorted build afterwards is cheap.
        drops = ", ".join(f"DROP INDEX {quote(name)}" for name in indexes)
        conn.exec_driver_sql(f"ALTER TABLE {quote(stage)} {drops}")
    in_frame = set(info.primary_key) <= set(df.columns)
    writer.insert(conn, df, info, stage, order_by=info.primary_key if in_frame else ())
    if indexes:
        conn.exec_driver_sql(f"ALTER TABLE {quote(stage)} {', '.join(indexes.values())}")
    logger.debug("staged %d rows for %s in %.1f s", len(df), info.name, time.monotonic() - started)


def _secondary_indexes(conn: sa.Connection, table: str) -> dict[str, str]:
    """Map each plain B-tree secondary index to the ADD INDEX clause that rebuilds it."""
    parts: dict[str, list[str]] = {}
    unique: dict[str, bool] = {}
    for row in conn.exec_driver_sql(f"SHOW INDEX FROM {quote(table)}").mappings():
        name = row["Key_name"]
        if name == "PRIMARY" or row["Index_type"] != "BTREE":
            continue
        prefix = f"({row['Sub_part']})" if row["Sub_part"] else ""
        parts.setdefault(name, []).append(quote(row["Column_name"]) + prefix)
        unique[name] = not int(row["Non_unique"])
    return {
        name: f"ADD {'UNIQUE ' if unique[name] else ''}INDEX {quote(name)} ({', '.join(cols)})"
        for name, cols in parts.items()
    }


def _rename_with_retries(
    conn: sa.Connection, tables: list[str], lock_wait_timeout: int, attempts: int
) -> None:
    pairs = ", ".join(
        f"{quote(t)} TO {quote(t + OLD)}, {quote(t + STAGE)} TO {quote(t)}" for t in tables
    )
    for attempt in range(1, attempts + 1):
        try:
            conn.exec_driver_sql(f"RENAME TABLE {pairs}")
            return
        except sa.exc.OperationalError as err:
            if error_code(err) != LOCK_WAIT_TIMEOUT_ERROR:
                raise
            logger.warning(
                "swap of %s waited %d s for a metadata lock (attempt %d of %d)",
                ", ".join(tables),
                lock_wait_timeout,
                attempt,
                attempts,
            )
            if attempt < attempts:
                time.sleep(min(SWAP_WAIT_STEP_S * attempt, lock_wait_timeout))
    blocked = _blocked_tables(conn, tables) or tables
    raise LoadError(
        f"RENAME TABLE gave up: another session (a long-running reader holding a "
        f"transaction?) kept a metadata lock on {', '.join(blocked)} through "
        f"{attempts} attempts of {lock_wait_timeout} s"
    )


def _blocked_tables(conn: sa.Connection, tables: list[str]) -> list[str]:
    """Find the tables still locked by trying a no-op self-rename of each with a short wait."""
    conn.exec_driver_sql("SET SESSION lock_wait_timeout = 1")
    blocked = []
    for table in tables:
        try:
            conn.exec_driver_sql(
                f"RENAME TABLE {quote(table)} TO {quote(table + PROBE)}, "
                f"{quote(table + PROBE)} TO {quote(table)}"
            )
        except sa.exc.OperationalError:
            blocked.append(table)
    return blocked
