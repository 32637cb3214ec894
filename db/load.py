"""db.Database: replace / append / merge DataFrames into tables, alike on MySQL and SQLite."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from db.frames import TableInfo, check_unique, prepare, reflect_table, sql_params
from db.mysql import MySqlWriter
from db.mysql_bulk import BULK_MIN_ROWS
from db.sqlite import SqliteWriter
from db.writer import Writer
from vocab import LoadError

logger = logging.getLogger(__name__)

# Run records, cursors and operator-maintained rows never take part in a full refresh.
PROTECTED_TABLES = frozenset({"job_run", "data_source_status", "etl_cursor", "lti_type"})


def _first_line(err: Exception) -> str:
    orig = getattr(err, "orig", None)
    return str(orig if orig is not None else err).splitlines()[0]


class Tx:
    """Writes that commit together; obtained from Database.transaction()."""

    def __init__(self, db: Database, conn: sa.Connection) -> None:
        self._db = db
        self._conn = conn
        self.written: Counter[str] = Counter()

    def append(self, table: str, df: pd.DataFrame) -> int:
        """Insert the rows of `df`; a duplicate key fails the whole transaction."""
        frame, info = self._db._prepared(table, df)
        rows = self._db._writer.insert(self._conn, frame, info)
        self.written[table] += rows
        return rows

    def merge(self, table: str, df: pd.DataFrame, key: Sequence[str]) -> int:
        """Insert rows of `df`, updating those whose `key` (a unique key of the table) exists."""
        frame, info = self._db._prepared(table, df)
        key = tuple(key)
        if set(key) not in map(set, info.unique_keys) or not set(key) <= set(frame.columns):
            raise LoadError(
                f"merge into {table}: key {list(key)} is not a unique key of the "
                f"table present in the frame (unique keys: {info.unique_keys})"
            )
        check_unique(frame, key, table)
        rows = self._db._writer.upsert(self._conn, frame, info, key)
        self.written[table] += rows
        return rows

    def delete_where(self, table: str, sql_where: str, params: dict | None = None) -> int:
        """DELETE FROM `table` WHERE `sql_where` (text with :named binds); returns the count."""
        self._db._table_info(table)  # only known tables: the name goes into SQL text
        sql = sa.text(f"DELETE FROM {self._db._quote(table)} WHERE {sql_where}")
        return self._conn.execute(sql, sql_params(params)).rowcount

    def set_cursor(self, name: str, value: str) -> None:
        """Record where the source `name` resumes; commits with the data it describes."""
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        row = pd.DataFrame({"name": [name], "value": [str(value)], "updated_at": [now]})
        frame, info = self._db._prepared("etl_cursor", row)
        self._db._writer.upsert(self._conn, frame, info, ("name",))


class Database:
    """Handle that jobs write through; counts rows written per table in `rows_written`."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        min_row_ratio: float = 0.5,
        force_replace: bool = False,
        lock_wait_timeout: int = 10,
        swap_attempts: int = 3,
        use_load_data: bool = True,
        bulk_min_rows: int = BULK_MIN_ROWS,
    ) -> None:
        self.engine = engine
        backend = engine.url.get_backend_name()
        self.dialect = "mysql" if backend in ("mysql", "mariadb") else backend
        if self.dialect not in ("mysql", "sqlite"):
            raise LoadError(f"unsupported database dialect {backend!r}")
        self.min_row_ratio = min_row_ratio
        self.force_replace = force_replace
        self.lock_wait_timeout = lock_wait_timeout
        self.swap_attempts = swap_attempts
        self.rows_written: dict[str, int] = {}
        self._writer: Writer = SqliteWriter()
        if self.dialect == "mysql":
            self._writer = MySqlWriter(
                use_load_data=use_load_data,
                bulk_min_rows=bulk_min_rows,
                lock_wait_timeout=lock_wait_timeout,
                swap_attempts=swap_attempts,
            )
        self._tables: dict[str, TableInfo] = {}

    def replace(self, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
        """Replace the whole content of every table in `frames`, visible to readers at once.

        Raises:
            LoadError: a frame does not fit its table, a row count dropped below
                `min_row_ratio` of the current one (unless forced), or the load or swap failed.
                The previous contents are then unchanged.
        """
        if not frames:
            return {}
        refused = sorted(PROTECTED_TABLES & set(frames))
        if refused:
            raise LoadError(f"replace refused for protected table(s) {refused}")
        prepared = {t: self._prepared(t, df) for t, df in frames.items()}
        self._check_row_counts({t: len(df) for t, (df, _) in prepared.items()})
        started = time.monotonic()
        try:
            self._writer.replace_tables(self.engine, prepared)
        except (sa.exc.SQLAlchemyError, LoadError) as err:
            raise LoadError(
                f"replace of {', '.join(frames)} failed, previous contents kept: "
                f"{_first_line(err)}"
            ) from err
        counts = {t: len(df) for t, (df, _) in prepared.items()}
        seconds = time.monotonic() - started
        logger.info(
            "replaced %s in %.1f s",
            ", ".join(f"{t} {n}" for t, n in counts.items()),
            seconds,
            extra={"rows": counts, "seconds": round(seconds, 3)},
        )
        self._count(counts)
        return counts

    def append(self, table: str, df: pd.DataFrame) -> int:
        """Insert the rows of `df` into `table` in one transaction."""
        with self.transaction() as tx:
            return tx.append(table, df)

    def merge(self, table: str, df: pd.DataFrame, key: Sequence[str]) -> int:
        """Upsert `df` into `table` by `key` in one transaction."""
        with self.transaction() as tx:
            return tx.merge(table, df, key)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Yield a Tx whose writes commit together when the block exits normally."""
        try:
            with self.engine.begin() as conn:
                tx = Tx(self, conn)
                yield tx
        except sa.exc.SQLAlchemyError as err:
            raise LoadError(f"write failed and was rolled back: {_first_line(err)}") from err
        self._count(tx.written)

    def get_cursor(self, name: str) -> str | None:
        """Return the stored cursor value of `name`, or None before the first run."""
        return self.scalar("SELECT value FROM etl_cursor WHERE name = :name", {"name": name})

    def query_frame(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run a query (text with :named binds) and return its rows as a DataFrame."""
        with self.engine.connect() as conn:
            return pd.read_sql_query(sa.text(sql), conn, params=sql_params(params))

    def scalar(self, sql: str, params: dict | None = None) -> Any:
        """Run a query and return the first column of its first row (None when empty)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), sql_params(params)).scalar()

    def _count(self, counts: Mapping[str, int]) -> None:
        for table, rows in counts.items():
            self.rows_written[table] = self.rows_written.get(table, 0) + rows

    def _table_info(self, table: str) -> TableInfo:
        if table not in self._tables:
            with self.engine.connect() as conn:
                self._tables[table] = reflect_table(conn, table)
        return self._tables[table]

    def _prepared(self, table: str, df: pd.DataFrame) -> tuple[pd.DataFrame, TableInfo]:
        info = self._table_info(table)
        return prepare(df, info), info

    def _quote(self, name: str) -> str:
        return self._writer.quote(name)

    def _check_row_counts(self, new_counts: Mapping[str, int]) -> None:
        with self.engine.connect() as conn:
            for table, new in new_counts.items():
                current = conn.execute(sa.text(f"SELECT COUNT(*) FROM {self._quote(table)}"))
                self._guard(table, new, int(current.scalar() or 0))

    def _guard(self, table: str, new: int, current: int) -> None:
        if current == 0 or new >= self.min_row_ratio * current:
            return
        message = (
            f"{table}: new snapshot has {new} rows, below {self.min_row_ratio:g} x the "
            f"{current} rows loaded now"
        )
        if self.force_replace:
            logger.warning("%s; replacing anyway (forced)", message)
            return
        raise LoadError(f"refusing to replace {message}; rerun with force_replace to accept it")
