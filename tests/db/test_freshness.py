"""The data_freshness view and table comments: freshness as a field Tableau can use."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from db import runs
from vocab import DataSourceName, DataSourceStatus, JobName


def test_the_view_maps_each_source_to_the_tables_its_jobs_write(sqlite_engine):
    expected: dict[str, list[str]] = {}
    for job in JobName:
        tables = [t.name for t in job.tables if t.name != "etl_cursor"]
        for source in job.spec.sources:
            expected.setdefault(source.value, []).extend(tables)
    with sqlite_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT source, feeds_tables FROM data_freshness")).all()
    written = {source: tables.split(", ") for source, tables in rows}
    assert written == expected, "a job spec changed: add a migration re-creating the view"


def test_data_freshness_shows_the_latest_update_of_every_source(any_engine):
    older = datetime(2026, 11, 1, 6, tzinfo=UTC)
    newer = datetime(2026, 11, 2, 6, tzinfo=UTC)
    for stamp in (older, newer):
        run_id = runs.start_job_run(any_engine, "ONLINE_MEETINGS")
        status = DataSourceStatus(DataSourceName.ZOOM_API, stamp)
        runs.finish_job_run(
            any_engine, run_id, status="succeeded", rows_written={}, error=None, statuses=[status]
        )
    with any_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM data_freshness ORDER BY source")).mappings()
        view = {r["source"]: r for r in rows}
    assert set(view) == {s.value for s in DataSourceName}
    assert str(view["ZOOM_API"]["last_updated_utc"]).startswith("2026-11-02 06:00:00")
    assert view["ZOOM_API"]["feeds_tables"] == "zoom_meeting"
    assert view["CANVAS_API"]["last_updated_utc"] is None


def test_mysql_tables_carry_a_comment(mariadb_engine):
    with mariadb_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, table_comment FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' "
                "AND table_name NOT LIKE '%yoyo%'"
            )
        ).all()
    comments = dict(rows)
    assert "Zoom meetings" in comments["zoom_meeting"]
    assert "MATOMO_STATISTICS" in comments["matomo_page_day"]
    assert [table for table, comment in comments.items() if not comment] == []
