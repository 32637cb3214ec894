"""The MySQL/MariaDB writer: LOAD DATA where it pays, else multi-row INSERT; swaps to replace."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd
import sqlalchemy as sa

from db import mysql_swap
from db.engine import error_code
from db.frames import TableInfo
from db.mysql_bulk import (
    BULK_MIN_ROWS,
    INSERT_BATCH_ROWS,
    LOCAL_INFILE_DISABLED,
    insert_rows,
    load_frame,
    on_duplicate,
    quote,
    update_columns,
)

logger = logging.getLogger(__name__)


class MySqlWriter:
    """Writes prepared frames to MySQL, preferring LOAD DATA and remembering when it is off."""

    dialect = "mysql"

    def __init__(
        self,
        *,
        use_load_data: bool = True,
        bulk_min_rows: int = BULK_MIN_ROWS,
        lock_wait_timeout: int = 10,
        swap_attempts: int = 3,
    ) -> None:
        self.local_infile: bool | None = None if use_load_data else False
        self.bulk_min_rows = bulk_min_rows
        self.lock_wait_timeout = lock_wait_timeout
        self.swap_attempts = swap_attempts

    @staticmethod
    def quote(name: str) -> str:
        return quote(name)

    def replace_tables(
        self, engine: sa.Engine, frames: Mapping[str, tuple[pd.DataFrame, TableInfo]]
    ) -> None:
        """Stage every table, then swap them all in with one RENAME TABLE."""
        mysql_swap.replace_tables(
            engine,
            self,
            frames,
            lock_wait_timeout=self.lock_wait_timeout,
            attempts=self.swap_attempts,
        )

    def insert(
        self,
        conn: sa.Connection,
        df: pd.DataFrame,
        info: TableInfo,
        table: str | None = None,
        *,
        bulk: bool | None = None,
        order_by: Sequence[str] = (),
    ) -> int:
        """Insert every row of `df` into `table` (default: info.name); duplicates fail."""
        table = table or info.name
        if bulk is None:
            bulk = len(df) >= self.bulk_min_rows
        if bulk and self._local_infile_on(conn):
            try:
                return load_frame(conn, df, info, table, order_by)
            except sa.exc.OperationalError as err:
                if error_code(err) not in LOCAL_INFILE_DISABLED:
                    raise
                self._fall_back(str(err.orig))
        return insert_rows(conn, df, info, table)

    def upsert(
        self, conn: sa.Connection, df: pd.DataFrame, info: TableInfo, key: Sequence[str]
    ) -> int:
        """Insert or update rows of `df` by `key` in one set-based statement where it pays."""
        if len(df) < self.bulk_min_rows or not self._local_infile_on(conn):
            return insert_rows(conn, df, info, info.name, update=update_columns(df, key))
        stage = f"{info.name}__merge"
        columns = ", ".join(quote(c) for c in df.columns)
        # A key-less temporary copy loads fastest; CREATE/DROP TEMPORARY do not commit.
        conn.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS {quote(stage)}")
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {quote(stage)} "
            f"SELECT {columns} FROM {quote(info.name)} LIMIT 0"
        )
        try:
            self.insert(conn, df, info, stage, bulk=True, order_by=key)
            conn.exec_driver_sql(
                f"INSERT INTO {quote(info.name)} ({columns}) SELECT {columns} "
                f"FROM {quote(stage)} {on_duplicate(update_columns(df, key))}"
            )
        finally:
            conn.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS {quote(stage)}")
        return len(df)

    def _local_infile_on(self, conn: sa.Connection) -> bool:
        if self.local_infile is None:
            self.local_infile = bool(conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar())
            if not self.local_infile:
                self._fall_back("server variable local_infile is OFF")
        return self.local_infile

    def _fall_back(self, reason: str) -> None:
        self.local_infile = False
        logger.info(
            "LOAD DATA LOCAL INFILE unavailable (%s); using multi-row INSERT batches "
            "of %d rows instead",
            reason,
            INSERT_BATCH_ROWS,
        )
