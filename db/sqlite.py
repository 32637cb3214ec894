"""SQLite writes: executemany inside the caller's transaction (WAL readers keep their snapshot)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd
import sqlalchemy as sa

from db.frames import TableInfo, row_batches

logger = logging.getLogger(__name__)

BATCH_ROWS = 50_000


def quote(name: str) -> str:
    """Quote a SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


class SqliteWriter:
    """The SQLite writer: executemany batches, delete and refill in one transaction to replace.

    A replace drops a table's secondary indexes, refills it and creates them again, all in
    the one transaction: building an index over the loaded rows in one sorted pass is about
    three times faster than updating it row by row, and readers still see the old rows,
    indexes included, until the commit.
    """

    dialect = "sqlite"

    @staticmethod
    def quote(name: str) -> str:
        return quote(name)

    def insert(
        self,
        conn: sa.Connection,
        df: pd.DataFrame,
        info: TableInfo,
        table: str | None = None,
        *,
        order_by: Sequence[str] = (),
    ) -> int:
        """Insert every row (``order_by`` is for the MySQL bulk path; SQLite ignores it)."""
        return _execute_rows(conn, df, info, _insert_sql(table or info.name, df.columns))

    def upsert(
        self, conn: sa.Connection, df: pd.DataFrame, info: TableInfo, key: Sequence[str]
    ) -> int:
        update = [c for c in df.columns if c not in key]
        action = (
            "DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
            if update
            else "DO NOTHING"
        )
        conflict = ", ".join(quote(c) for c in key)
        sql = f"{_insert_sql(info.name, df.columns)} ON CONFLICT ({conflict}) {action}"
        return _execute_rows(conn, df, info, sql)

    def replace_tables(
        self, engine: sa.Engine, frames: Mapping[str, tuple[pd.DataFrame, TableInfo]]
    ) -> None:
        """Delete and refill every table in one transaction: readers see old or new, all of it."""
        with engine.begin() as conn:
            for table, (df, info) in frames.items():
                indexes = secondary_indexes(conn, table)
                for name, _ in indexes:
                    conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
                conn.exec_driver_sql(f"DELETE FROM {quote(table)}")
                self.insert(conn, df, info)
                for _, create in indexes:
                    conn.exec_driver_sql(create)


def secondary_indexes(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    """Name and CREATE statement of each index made by CREATE INDEX on the table.

    Indexes behind PRIMARY KEY and UNIQUE constraints have no statement and are left alone.
    """
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY name",
        (table,),
    )
    return [(name, sql) for name, sql in rows]


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['?'] * len(columns))})"


def _execute_rows(conn: sa.Connection, df: pd.DataFrame, info: TableInfo, sql: str) -> int:
    for batch in row_batches(df, info, BATCH_ROWS):
        conn.exec_driver_sql(sql, batch)
    return len(df)
