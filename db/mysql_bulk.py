"""MySQL/MariaDB statements: CSV by DuckDB + LOAD DATA LOCAL INFILE, or multi-row INSERT."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa

from db.frames import DATETIME_FORMAT, TableInfo, row_batches
from vocab import LoadError

logger = logging.getLogger(__name__)

INSERT_BATCH_ROWS = 50_000
# Frames smaller than this go through executemany: LOAD DATA's fixed cost is not worth it.
BULK_MIN_ROWS = 10_000
# "local infile disabled" as reported by MySQL 5.7 (1148), MariaDB (4166) and MySQL 8 (3948).
LOCAL_INFILE_DISABLED = frozenset({1148, 3948, 4166})
_LOAD_OPTIONS = (
    "CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' "
    "ESCAPED BY '' LINES TERMINATED BY '\\n'"
)


def quote(name: str) -> str:
    """Quote a MySQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def _duckdb_quote(name: str) -> str:
    """Quote a column for DuckDB, which writes the CSV files LOAD DATA reads."""
    return '"' + name.replace('"', '""') + '"'


def update_columns(df: pd.DataFrame, key: Sequence[str]) -> list[str]:
    return [c for c in df.columns if c not in key] or [key[0]]


def on_duplicate(update: Sequence[str]) -> str:
    # VALUES(c) works on MariaDB and MySQL 8 (deprecated there); MariaDB has no row alias.
    return "ON DUPLICATE KEY UPDATE " + ", ".join(
        f"{quote(c)} = VALUES({quote(c)})" for c in update
    )


def insert_rows(
    conn: sa.Connection,
    df: pd.DataFrame,
    info: TableInfo,
    table: str,
    update: Sequence[str] | None = None,
) -> int:
    """executemany in batches; PyMySQL rewrites each batch into multi-row INSERTs."""
    columns = ", ".join(quote(c) for c in df.columns)
    values = ", ".join(["%s"] * len(df.columns))
    sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({values})"
    if update:
        sql += " " + on_duplicate(update)
    for batch in row_batches(df, info, INSERT_BATCH_ROWS):
        conn.exec_driver_sql(sql, batch)
    return len(df)


def load_frame(
    conn: sa.Connection,
    df: pd.DataFrame,
    info: TableInfo,
    table: str,
    order_by: Sequence[str] = (),
) -> int:
    """Write `df` as CSV in a temporary directory and LOAD DATA LOCAL INFILE it into `table`."""
    with tempfile.TemporaryDirectory(prefix="course-inventory-") as tmp:
        path = Path(tmp) / f"{table}.csv"
        write_csv(df, info, path, order_by)
        return load_csv(conn, table, list(df.columns), path, expected=len(df))


def write_csv(df: pd.DataFrame, info: TableInfo, path: Path, order_by: Sequence[str] = ()) -> None:
    """Write the CSV dialect LOAD DATA reads back exactly: strings always quoted, NULL bare."""
    select = ", ".join(_select_expr(c, info.columns[c].kind) for c in df.columns)
    # Rows in key order make the load append to the clustered index instead of splitting pages.
    in_order = len(order_by) == 1 and df[order_by[0]].is_monotonic_increasing
    order = (
        f" ORDER BY {', '.join(_duckdb_quote(c) for c in order_by)}"
        if order_by and not in_order
        else ""
    )
    options = [
        "FORMAT csv",
        "HEADER false",
        "NULLSTR 'NULL'",
        f"TIMESTAMPFORMAT '{DATETIME_FORMAT}'",
    ]
    quoted = [_duckdb_quote(c) for c in df.columns if info.columns[c].kind == "str"]
    if quoted:
        options.append(f"FORCE_QUOTE ({', '.join(quoted)})")
    target = str(path).replace("'", "''")
    con = duckdb.connect()
    try:
        con.register("frame", df)
        con.execute(
            f"COPY (SELECT {select} FROM frame{order}) TO '{target}' ({', '.join(options)})"
        )
    except duckdb.Error as err:
        raise LoadError(f"{info.name}: could not write the CSV for LOAD DATA: {err}") from err
    finally:
        con.close()


def _select_expr(column: str, kind: str) -> str:
    if kind == "date":
        return f"CAST({_duckdb_quote(column)} AS DATE) AS {_duckdb_quote(column)}"
    return _duckdb_quote(column)


def load_csv(
    conn: sa.Connection, table: str, columns: Sequence[str], path: Path, expected: int
) -> int:
    """LOAD DATA LOCAL INFILE `path`; any warning (truncation, bad value, duplicate) fails it."""
    column_list = ", ".join(quote(c) for c in columns)
    sql = f"LOAD DATA LOCAL INFILE %s INTO TABLE {quote(table)} {_LOAD_OPTIONS} ({column_list})"
    loaded = conn.exec_driver_sql(sql, (str(path),)).rowcount
    warnings = [row for row in conn.exec_driver_sql("SHOW WARNINGS LIMIT 5") if row[0] != "Note"]
    if warnings or loaded != expected:
        sample = "; ".join(f"{level} {code}: {message}" for level, code, message in warnings)
        raise LoadError(
            f"LOAD DATA into {table} loaded {loaded} of {expected} rows "
            f"with warnings: {sample or 'none'}"
        )
    return loaded
