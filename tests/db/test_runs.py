"""Run records: job_run lifecycle, ids from the insert, data_source_status on success only."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from db import Database
from db.engine import make_engine
from db.migrate import migrate
from db.runs import ERROR_MAX_CHARS, finish_job_run, start_job_run
from settings import DbSettings
from vocab import DataSourceName, DataSourceStatus

ROOT = Path(__file__).resolve().parents[2]
SQLITE_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?")
# A runner process that never migrated: sqlite3's own datetime adapter is still in place there.
RECORD_IN_FRESH_PROCESS = """
import sys
from datetime import UTC, datetime
from db.engine import make_engine
from db.runs import finish_job_run, start_job_run
from settings import DbSettings
from vocab import DataSourceName, DataSourceStatus
engine = make_engine(DbSettings(sys.argv[1]))
run_id = start_job_run(engine, "FRESH")
finish_job_run(engine, run_id, status="succeeded", rows_written={}, error=None, statuses=[
    DataSourceStatus(DataSourceName.KALTURA_API, datetime(2024, 5, 1, 10, tzinfo=UTC))])
"""


def job_run(engine: sa.Engine, run_id: int) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM job_run WHERE id = :id"), {"id": run_id})
        return dict(row.mappings().one())


def source_rows(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT data_source_name, data_updated_at, job_run_id "
                "FROM data_source_status ORDER BY id"
            )
        )
        return [(name, pd.Timestamp(stamp), run) for name, stamp, run in rows]


def test_started_run_is_running_with_a_naive_utc_start(any_engine):
    run_id = start_job_run(any_engine, "COURSE_INVENTORY")
    row = job_run(any_engine, run_id)
    assert (row["job_name"], row["status"], row["finished_at"]) == (
        "COURSE_INVENTORY",
        "running",
        None,
    )
    started = pd.Timestamp(row["started_at"])
    assert started.tzinfo is None
    assert abs(started - pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))) < pd.Timedelta("1h")


def test_succeeded_run_records_rows_and_source_freshness_in_utc(any_engine):
    run_id = start_job_run(any_engine, "MIVIDEO")
    plus_two = timezone(timedelta(hours=2))
    statuses = [
        DataSourceStatus(DataSourceName.KALTURA_API, datetime(2024, 5, 1, 12, tzinfo=plus_two)),
        DataSourceStatus(
            DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS, datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
        ),
    ]
    finish_job_run(
        any_engine,
        run_id,
        status="succeeded",
        error=None,
        statuses=statuses,
        rows_written={"mivideo_media_created": 5, "mivideo_media_courses": 7},
    )
    row = job_run(any_engine, run_id)
    assert (row["status"], row["rows_written"], row["error"]) == ("succeeded", 12, None)
    assert json.loads(row["rows_by_table"]) == {
        "mivideo_media_courses": 7,
        "mivideo_media_created": 5,
    }
    assert row["finished_at"] is not None
    assert source_rows(any_engine) == [
        ("KALTURA_API", pd.Timestamp("2024-05-01 10:00:00"), run_id),
        ("UNIZIN_DATA_PLATFORM_EVENTS", pd.Timestamp("2024-05-01 09:30:00"), run_id),
    ]


def test_failed_run_keeps_a_truncated_error_and_no_source_rows(any_engine):
    run_id = start_job_run(any_engine, "CANVAS_LTI")
    finish_job_run(
        any_engine,
        run_id,
        status="failed",
        rows_written={},
        error="boom " * 1000,
        statuses=[DataSourceStatus(DataSourceName.CANVAS_LTI)],
    )
    row = job_run(any_engine, run_id)
    assert row["status"] == "failed" and row["rows_written"] == 0
    assert row["error"].startswith("boom boom") and len(row["error"]) <= ERROR_MAX_CHARS
    assert source_rows(any_engine) == []


def test_finish_refuses_an_unknown_status(any_engine):
    run_id = start_job_run(any_engine, "ONLINE_MEETINGS")
    with pytest.raises(ValueError, match="status must be one of"):
        finish_job_run(any_engine, run_id, status="done", rows_written={}, error=None, statuses=[])


def test_concurrent_starts_get_distinct_ids_of_their_own_rows(any_engine):
    ids: dict[str, int] = {}
    barrier = threading.Barrier(6)

    def start(name: str) -> None:
        barrier.wait()
        ids[name] = start_job_run(any_engine, name)

    threads = [threading.Thread(target=start, args=(f"JOB_{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids.values())) == 6
    assert all(job_run(any_engine, run_id)["job_name"] == name for name, run_id in ids.items())


def record_run(engine: sa.Engine, name: str, updated_at: datetime) -> None:
    run_id = start_job_run(engine, name)
    finish_job_run(
        engine,
        run_id,
        status="succeeded",
        rows_written={},
        error=None,
        statuses=[DataSourceStatus(DataSourceName.KALTURA_API, updated_at)],
    )


def test_sqlite_run_times_have_one_format_whether_or_not_the_process_migrated(sqlite_url):
    engine = make_engine(DbSettings(sqlite_url))
    migrate(engine)  # yoyo leaves its ISO-with-'T' sqlite3 adapter behind in this process
    record_run(engine, "MIGRATED", datetime(2024, 5, 1, 9, tzinfo=UTC))
    subprocess.run(
        [sys.executable, "-c", RECORD_IN_FRESH_PROCESS, sqlite_url],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    record_run(
        make_engine(DbSettings(sqlite_url)), "FRESH_ENGINE", datetime(2024, 5, 1, 8, tzinfo=UTC)
    )
    with engine.connect() as conn:
        texts = (
            conn.exec_driver_sql(
                "SELECT started_at FROM job_run UNION ALL SELECT finished_at FROM job_run "
                "UNION ALL SELECT data_updated_at FROM data_source_status"
            )
            .scalars()
            .all()
        )
        latest = conn.exec_driver_sql(
            "SELECT MAX(data_updated_at) FROM data_source_status"
        ).scalar()
    assert len(texts) == 9 and all(SQLITE_DATETIME.fullmatch(t) for t in texts), texts
    assert latest == "2024-05-01 10:00:00"
    since = Database(engine).scalar(
        "SELECT COUNT(*) FROM data_source_status WHERE data_updated_at >= :since",
        {"since": datetime(2024, 5, 1, 9, 30, tzinfo=UTC)},
    )
    assert since == 1
    engine.dispose()
