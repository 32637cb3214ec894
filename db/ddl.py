"""Dialect-aware CREATE TABLE steps shared by the yoyo migrations in db/migrations.

Applied migrations run this code when a new database is built, so change it only in ways
that keep the tables it creates identical.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

StepFunction = Callable[[Any], None]

# Placeholders usable in a table body. `binary` makes an id column case-sensitive on MySQL,
# where the default utf8mb4 collation would treat "aBc" and "abc" as the same key.
_WORDS = {
    "mysql": {
        "autoinc_pk": "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "binary": " COLLATE utf8mb4_bin",
    },
    "sqlite": {"autoinc_pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "binary": ""},
}
_TABLE_OPTIONS = {"mysql": " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", "sqlite": ""}


def dialect_of(conn: Any) -> str:
    """Return "mysql" or "sqlite" for the raw DB-API connection yoyo passes to a step."""
    return "mysql" if type(conn).__module__.startswith("pymysql") else "sqlite"


def create_table_sql(dialect: str, name: str, body: str) -> str:
    """Render CREATE TABLE for `dialect` from a portable `body` with placeholders."""
    columns = body.strip().format(**_WORDS[dialect])
    return f"CREATE TABLE {name} (\n{columns}\n){_TABLE_OPTIONS[dialect]}"


def create_table(name: str, body: str) -> tuple[StepFunction, StepFunction]:
    """Return yoyo (apply, rollback) functions that create and drop table `name`."""

    def apply(conn: Any) -> None:
        conn.cursor().execute(create_table_sql(dialect_of(conn), name, body))

    def rollback(conn: Any) -> None:
        conn.cursor().execute(f"DROP TABLE {name}")

    return apply, rollback


def comment_tables(comments: Mapping[str, str]) -> tuple[StepFunction, StepFunction]:
    """Return yoyo (apply, rollback) functions that set and clear table comments on MySQL.

    SQLite has no table comments, so both do nothing there.
    """

    def apply(conn: Any) -> None:
        if dialect_of(conn) == "mysql":
            cursor = conn.cursor()
            for table, comment in comments.items():
                cursor.execute(f"ALTER TABLE {table} COMMENT = %s", (comment,))

    def rollback(conn: Any) -> None:
        if dialect_of(conn) == "mysql":
            cursor = conn.cursor()
            for table in comments:
                cursor.execute(f"ALTER TABLE {table} COMMENT = ''")

    return apply, rollback
