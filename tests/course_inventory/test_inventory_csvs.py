"""CREATE_CSVS: the CSV set matches the tables, all of it or none, whatever the disk does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from course_inventory import job
from db import Database
from sandbox.canvas import CanvasServer
from settings import Settings
from vocab import LoadError

Start = Callable[..., CanvasServer]
Build = Callable[..., Settings]
TABLES = ("term", "account", "course", "course_section", "enrollment", "canvas_course_usage")


def _counts(database: Database) -> dict[str, int]:
    return {table: database.scalar(f"SELECT COUNT(*) FROM {table}") for table in TABLES}


def test_an_unwritable_csv_folder_fails_the_job_before_its_tables_change(
    sqlite_engine: sa.Engine, start_canvas: Start, inventory_settings: Build
) -> None:
    database = Database(sqlite_engine)
    assert _counts(database) == dict.fromkeys(TABLES, 0)
    # Even root cannot create a folder under /proc: a read-only data folder.
    unwritable = Path("/proc/self/course-inventory-csvs")
    settings = inventory_settings(start_canvas(), create_csvs=True, data_dir=unwritable)
    with pytest.raises(LoadError, match="/proc/self/course-inventory-csvs"):
        job.run(settings, database)
    assert _counts(database) == dict.fromkeys(TABLES, 0)


def test_a_csv_that_cannot_be_replaced_after_the_swap_keeps_the_job_and_the_old_set(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = tmp_path / "csvs"
    data_dir.mkdir()
    for table in TABLES[1:]:
        (data_dir / f"{table}.csv").write_text("old\n", encoding="utf-8")
    (data_dir / "term.csv").mkdir()  # something in the way of one file
    database = Database(sqlite_engine)
    caplog.set_level(logging.INFO)
    statuses = job.run(
        inventory_settings(start_canvas(), create_csvs=True, data_dir=data_dir), database
    )
    assert statuses and all(count > 0 for count in _counts(database).values())
    assert f"cannot replace {data_dir / 'term.csv'}" in caplog.text
    # None of the set moved: the old CSVs are all there, not a mix of old and new.
    for table in TABLES[1:]:
        assert (data_dir / f"{table}.csv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(f"{t}.csv" for t in TABLES)


def test_written_csvs_match_the_new_tables(
    sqlite_engine: sa.Engine, start_canvas: Start, inventory_settings: Build, tmp_path: Path
) -> None:
    database = Database(sqlite_engine)
    settings = inventory_settings(start_canvas(), create_csvs=True, data_dir=tmp_path / "csvs")
    job.run(settings, database)
    counts = _counts(database)
    for table in TABLES:
        assert len(pd.read_csv(settings.data_dir / f"{table}.csv")) == counts[table]
    assert sorted(p.name for p in settings.data_dir.iterdir()) == sorted(
        f"{t}.csv" for t in TABLES
    )
