"""SQLite replace: secondary indexes are dropped for the load and rebuilt, inside the swap."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from db import Database
from vocab import LoadError


def _indexes(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'enrollment' ORDER BY name"
        )
        return [(name, sql) for name, sql in rows]


def _enrollments(rows: int, *, broken: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "canvas_id": range(rows),
            "course_id": [i % 7 for i in range(rows)],
            "user_id": pd.array(range(rows), dtype="Int64"),
            "workflow_state": "active",
            "role_type": "StudentEnrollment",
        }
    )
    if broken:
        frame.loc[rows - 1, "user_id"] = None  # NOT NULL: the load fails on the last row
    return frame


def test_replace_keeps_every_index_and_uses_them(sqlite_engine: sa.Engine) -> None:
    before = _indexes(sqlite_engine)
    assert any(sql for _, sql in before), "the migrations index enrollment"
    Database(sqlite_engine).replace({"enrollment": _enrollments(300)})
    assert _indexes(sqlite_engine) == before
    with sqlite_engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM enrollment WHERE user_id = 5"
            )
        )
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM enrollment WHERE course_id = 3")
        assert count.scalar() == len([i for i in range(300) if i % 7 == 3])
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan


def test_failed_replace_keeps_rows_and_indexes(sqlite_engine: sa.Engine) -> None:
    database = Database(sqlite_engine)
    database.replace({"enrollment": _enrollments(50)})
    before = _indexes(sqlite_engine)
    with pytest.raises(LoadError):
        database.replace({"enrollment": _enrollments(80, broken=True)})
    assert _indexes(sqlite_engine) == before
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM enrollment").scalar() == 50
