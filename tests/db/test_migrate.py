"""Migrations: the whole contract schema from empty, same ids on both engines, rerun no-op."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yoyo
from sqlalchemy.engine import make_url

from db import Database
from db import migrate as migrate_module
from db.engine import make_engine
from db.lock import run_lock
from db.migrate import MIGRATIONS_DIR, MigrationError, migrate, yoyo_url
from settings import DbSettings

DEAD_PID = 999_999

SCHEMA = {
    "term": ["canvas_id", "name", "sis_id", "start_at", "end_at"],
    "account": ["canvas_id", "name", "sis_id", "parent_account_id"],
    "course": [
        "canvas_id",
        "sis_id",
        "name",
        "account_id",
        "term_id",
        "created_at",
        "published_at",
        "workflow_state",
    ],
    "course_section": ["canvas_id", "sis_id", "name", "course_id"],
    "enrollment": [
        "canvas_id",
        "course_id",
        "course_section_id",
        "user_id",
        "workflow_state",
        "role_type",
    ],
    "canvas_course_usage": ["id", "course_id", "views", "participations", "date"],
    "job_run": [
        "id",
        "job_name",
        "started_at",
        "finished_at",
        "status",
        "error",
        "rows_written",
        "rows_by_table",
    ],
    "data_source_status": ["id", "data_source_name", "data_updated_at", "job_run_id"],
    "mivideo_media_started_hourly": [
        "id",
        "event_hour_utc",
        "course_id",
        "event_time_utc_latest",
        "event_count",
    ],
    "mivideo_media_created": ["id", "created_at", "name", "duration"],
    "mivideo_media_courses": ["media_id", "course_id", "in_context"],
    "lti_type": ["canvas_id", "des", "rpt_group_nm"],
    "lti_placement": [
        "id",
        "course_id",
        "account_id",
        "course_name",
        "placement_type_id",
        "visibility",
    ],
    "zoom_meeting": [
        "uuid",
        "meeting_id",
        "topic",
        "host_id",
        "start_time",
        "end_time",
        "duration_minutes",
        "participants",
        "participant_minutes_est",
        "meeting_day",
    ],
    "etl_cursor": ["name", "value", "updated_at"],
    "matomo_visits_day": [
        "site_id",
        "visit_date",
        "nb_visits",
        "nb_uniq_visitors",
        "nb_users",
        "nb_actions",
        "max_actions",
        "bounce_count",
        "sum_visit_length",
        "avg_time_on_site",
        "bounce_rate",
        "nb_actions_per_visit",
        "nb_visits_new",
        "nb_uniq_visitors_new",
        "nb_actions_new",
        "bounce_count_new",
        "sum_visit_length_new",
        "avg_time_on_site_new",
        "bounce_rate_new",
        "nb_visits_returning",
        "nb_uniq_visitors_returning",
        "nb_actions_returning",
        "bounce_count_returning",
        "sum_visit_length_returning",
        "avg_time_on_site_returning",
        "bounce_rate_returning",
        "loaded_at",
    ],
    "matomo_page_day": [
        "site_id",
        "visit_date",
        "url_hash",
        "url",
        "label",
        "course_id",
        "nb_hits",
        "nb_visits",
        "nb_uniq_visitors",
        "sum_time_spent",
        "entry_nb_visits",
        "entry_bounce_count",
        "exit_nb_visits",
        "bounce_rate",
        "exit_rate",
        "loaded_at",
    ],
    "edx_report_file": [
        "id",
        "course_id",
        "report_type",
        "file_name",
        "generated_at",
        "collected_at",
        "stored_at",
        "layout",
        "size_bytes",
        "sha256",
        "row_count",
        "header",
        "status",
        "error",
        "run_id",
    ],
    "edx_report_column": [
        "file_id",
        "column_index",
        "course_id",
        "generated_at",
        "report_type",
        "header",
        "kind",
        "assignment_type",
        "subsection_index",
        "subsection_name",
        "problem_name",
    ],
    "edx_grade_report_learner": [
        "course_id",
        "generated_at",
        "user_id",
        "email",
        "username",
        "grade",
        "cohort",
        "team",
        "enrollment_track",
        "verification_status",
        "certificate_eligible",
        "certificate_delivered",
        "certificate_type",
        "enrollment_status",
        "experiment_groups",
    ],
    "edx_grade_cell": ["file_id", "user_id", "column_index", "grade", "status"],
    "edx_problem_cell": ["file_id", "user_id", "column_index", "earned", "possible", "status"],
    "edx_profile_row": [
        "course_id",
        "generated_at",
        "user_id",
        "username",
        "name",
        "email",
        "language",
        "location",
        "year_of_birth",
        "gender",
        "level_of_education",
        "mailing_address",
        "goals",
        "enrollment_mode",
        "verification_status",
        "last_login",
        "date_joined",
        "external_user_key",
        "enrollment_date",
        "cohort",
        "team",
        "city",
        "country",
        "extra",
    ],
}
# Views readers use instead of the narrow cell tables.
VIEWS = {
    "edx_grade_report_cell": [
        "course_id",
        "generated_at",
        "user_id",
        "column_index",
        "assignment_type",
        "subsection_index",
        "is_average",
        "grade",
        "status",
        "file_id",
    ],
    "edx_problem_grade_cell": [
        "course_id",
        "generated_at",
        "user_id",
        "column_index",
        "assignment_type",
        "subsection_index",
        "subsection_name",
        "problem_name",
        "earned",
        "possible",
        "status",
        "file_id",
    ],
}
INDEXED = {
    "course": {"account_id", "term_id"},
    "course_section": {"course_id"},
    "enrollment": {"course_id", "user_id"},
    "zoom_meeting": {"meeting_day"},
    "matomo_page_day": {"course_id"},
}


def migration_ids() -> list[str]:
    return sorted(
        p.name.split(".py")[0].split(".sql")[0]
        for p in MIGRATIONS_DIR.iterdir()
        if p.suffix in (".py", ".sql") and not p.name.endswith(".rollback.sql")
    )


def test_migrations_build_the_whole_schema_and_rerun_is_a_no_op(any_db_url):
    engine = make_engine(DbSettings(any_db_url))
    try:
        assert migrate(engine) == migration_ids()
        assert migrate(engine) == []
        inspector = sa.inspect(engine)
        for table, columns in {**SCHEMA, **VIEWS}.items():
            assert [c["name"] for c in inspector.get_columns(table)] == columns, table
        assert sorted(inspector.get_view_names()) == sorted(VIEWS)
        for table, columns in INDEXED.items():
            indexed = {ix["column_names"][0] for ix in inspector.get_indexes(table)}
            assert columns <= indexed, table
        with engine.connect() as conn:
            applied = conn.execute(sa.text("SELECT migration_id FROM _yoyo_migration")).scalars()
            seeded = conn.execute(sa.text("SELECT * FROM lti_type ORDER BY canvas_id")).all()
        assert sorted(applied) == migration_ids()
        assert [tuple(r) for r in seeded] == [
            (4352, "Bluejeans", "Bluejeans"),
            (25194, "Zoom", "Zoom"),
        ]
    finally:
        engine.dispose()


def test_test_databases_are_fully_migrated(any_engine):
    assert migrate(any_engine) == []


def test_only_run_records_keep_a_foreign_key(any_engine):
    inspector = sa.inspect(any_engine)
    with_fks = {t for t in SCHEMA if inspector.get_foreign_keys(t)}
    assert with_fks == {"data_source_status"}


def test_mysql_tables_are_innodb_utf8mb4(mariadb_engine):
    with mariadb_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT table_name, engine, table_collation FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name NOT LIKE '%yoyo%' "
                "AND table_type = 'BASE TABLE'"
            )
        ).all()
    assert {r[0] for r in rows} == set(SCHEMA)
    assert all(r[1] == "InnoDB" and r[2].startswith("utf8mb4") for r in rows)


def test_external_ids_are_case_sensitive_keys(any_engine):
    database = Database(any_engine)
    meetings = pd.DataFrame(
        {
            "uuid": ["abcDEF==", "ABCdef=="],
            "meeting_day": pd.to_datetime(["2024-01-01", "2024-01-01"]),
        }
    )
    database.merge("zoom_meeting", meetings, key=["uuid"])
    assert database.scalar("SELECT COUNT(*) FROM zoom_meeting") == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "mysql+pymysql://u:p%40ss@db.example:3307/inv?charset=utf8mb4",
            "mysql://u:p%40ss@db.example:3307/inv?charset=utf8mb4",
        ),
        ("mariadb+pymysql://u@h/inv", "mysql://u@h/inv"),
    ],
)
def test_yoyo_url_for_mysql(url, expected):
    assert yoyo_url(make_url(url)) == expected


def test_yoyo_url_for_sqlite_is_absolute():
    assert yoyo_url(make_url("sqlite:///data/x.sqlite")) == f"sqlite:///{Path.cwd()}/data/x.sqlite"


def plant_stale_yoyo_lock(engine: sa.Engine) -> None:
    """Leave the yoyo_lock row a runner killed while migrating would leave."""
    backend = yoyo.get_backend(yoyo_url(engine.url))  # creates yoyo_lock if it is missing
    backend.connection.close()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, CURRENT_TIMESTAMP, :pid)"
            ),
            {"pid": DEAD_PID},
        )


def yoyo_lock_pids(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT pid FROM yoyo_lock")).scalars())


@pytest.fixture
def short_yoyo_wait(monkeypatch) -> None:
    """Make a blocked migration fail in half a second instead of two minutes."""
    monkeypatch.setattr(migrate_module, "LOCK_TIMEOUT_SECONDS", 0.5)


@pytest.fixture
def empty_engine(any_db_url):
    engine = make_engine(DbSettings(any_db_url))
    yield engine
    engine.dispose()


def test_stale_yoyo_lock_does_not_block_an_up_to_date_database(any_engine, short_yoyo_wait):
    plant_stale_yoyo_lock(any_engine)
    assert migrate(any_engine) == []


def test_stale_yoyo_lock_is_broken_under_the_run_lock(empty_engine, short_yoyo_wait, caplog):
    plant_stale_yoyo_lock(empty_engine)
    with (
        caplog.at_level(logging.WARNING, logger="db.migrate"),
        run_lock(empty_engine, wait_seconds=5) as held,
    ):
        assert migrate(empty_engine, held) == migration_ids()
    assert yoyo_lock_pids(empty_engine) == []
    assert f"process {DEAD_PID}" in caplog.text


def test_stale_yoyo_lock_without_the_run_lock_fails_with_the_recovery(any_engine, short_yoyo_wait):
    # As when a release adds a migration: one is pending again.
    pending = next(i for i in migration_ids() if i.endswith("create_etl_cursor"))
    with any_engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM _yoyo_migration WHERE migration_id = :id"), {"id": pending}
        )
        conn.execute(sa.text("DROP TABLE etl_cursor"))
    plant_stale_yoyo_lock(any_engine)
    with pytest.raises(MigrationError, match="DELETE FROM yoyo_lock"):
        migrate(any_engine)
    assert yoyo_lock_pids(any_engine) == [DEAD_PID]
    with run_lock(any_engine, wait_seconds=5) as held:
        assert migrate(any_engine, held) == [pending]


@pytest.mark.parametrize(
    "url", ["mysql+pymysql://ci:pw-Secret-42@127.0.0.1:1/inventory", "sqlite:///{tmp}"]
)
def test_unreachable_database_is_a_migration_error(url, tmp_path):
    # Port 1 refuses connections; a directory cannot be opened as a SQLite file.
    engine = sa.create_engine(url.format(tmp=tmp_path))
    with pytest.raises(MigrationError, match="cannot open") as raised:
        migrate(engine)
    assert "pw-Secret-42" not in str(raised.value)
