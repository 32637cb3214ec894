"""Describe the MATOMO_STATISTICS tables in a comment (MySQL), as 0023 does for the others."""

from __future__ import annotations

from typing import Any

from yoyo import step

from db.ddl import dialect_of

# After the Matomo tables exist, whichever order the two blocks were applied in.
__depends__ = {"0023.create_data_freshness", "0082.index_matomo_page_day_course"}

COMMENTS = {
    "matomo_visits_day": "Matomo visits per site and day (MATOMO_STATISTICS)",
    "matomo_page_day": "Matomo page views per site, day and page (MATOMO_STATISTICS)",
}


def apply(conn: Any) -> None:
    if dialect_of(conn) == "mysql":  # SQLite has no table comments
        cursor = conn.cursor()
        for table, comment in COMMENTS.items():
            cursor.execute(f"ALTER TABLE {table} COMMENT = %s", (comment,))


def rollback(conn: Any) -> None:
    if dialect_of(conn) == "mysql":
        cursor = conn.cursor()
        for table in COMMENTS:
            cursor.execute(f"ALTER TABLE {table} COMMENT = ''")


step(apply, rollback)
