"""COURSE_INVENTORY end to end: emulator -> job -> real database, compared to the generator."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from course_inventory import job
from db import Database
from sandbox import canvas as canvas_api
from sandbox.canvas import CanvasServer
from sandbox.university import University
from sandbox.warehouse import fill_udw
from sandbox.web import Response
from settings import Settings, UdwSettings
from vocab import DataSourceName, FatalSourceError

Start = Callable[..., CanvasServer]
Build = Callable[..., Settings]
TERM_IDS = (164, 165, 107)  # the configured terms (see conftest)
TABLES = ("term", "account", "course", "course_section", "enrollment", "canvas_course_usage")


def _table(database: Database, table: str) -> pd.DataFrame:
    key = "course_id, date" if table == "canvas_course_usage" else "canvas_id"
    frame = database.query_frame(f"SELECT * FROM {table} ORDER BY {key}")
    return frame.drop(columns=["id"]) if table == "canvas_course_usage" else frame


def _rows(frame: pd.DataFrame, *columns: str) -> set[tuple]:
    values = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
    return {tuple(row) for row in values.itertuples(index=False)}


def test_every_course_section_and_enrollment_exactly_once(
    database: Database, start_canvas: Start, inventory_settings: Build, university: University
) -> None:
    statuses = job.run(inventory_settings(start_canvas()), database)
    assert [s.name for s in statuses] == [DataSourceName.CANVAS_API]
    course_ids = university.expected_course_ids(TERM_IDS)

    courses = _table(database, "course")
    assert courses["canvas_id"].tolist() == sorted(course_ids)
    expected_courses = {
        (
            c["id"],
            c["name"],
            c["sis_course_id"],
            c["account_id"],
            c["enrollment_term_id"],
            c["workflow_state"],
        )
        for c in university.expected_courses(TERM_IDS)
    }
    assert (
        _rows(courses, "canvas_id", "name", "sis_id", "account_id", "term_id", "workflow_state")
        == expected_courses
    )
    # 4-byte UTF-8 (emoji) survives the round trip: utf8mb4 end to end on MariaDB.
    assert any(ord(ch) > 0xFFFF for name in courses["name"] for ch in name)

    sections = _table(database, "course_section")
    assert len(sections) == len(set(sections["canvas_id"]))
    assert _rows(sections, "canvas_id", "name", "sis_id", "course_id") == {
        (s["id"], s["name"], s["sis_section_id"], s["course_id"])
        for s in university.expected_sections(course_ids)
    }

    enrollments = _table(database, "enrollment")
    assert len(enrollments) == len(set(enrollments["canvas_id"]))
    assert _rows(
        enrollments,
        "canvas_id",
        "course_id",
        "course_section_id",
        "user_id",
        "workflow_state",
        "role_type",
    ) == {
        (
            e["id"],
            e["course_id"],
            e["course_section_id"],
            e["user_id"],
            e["enrollment_state"],
            e["type"],
        )
        for e in university.expected_enrollments(course_ids)
    }
    # Canvas lists test students and creation_pending enrollments; the table keeps neither.
    listed = university.expected_enrollments(course_ids, states=None, types=None)
    assert {"StudentViewEnrollment"} <= {e["type"] for e in listed}
    assert {"creation_pending"} <= {e["enrollment_state"] for e in listed}
    assert "StudentViewEnrollment" not in set(enrollments["role_type"])
    assert "creation_pending" not in set(enrollments["workflow_state"])


def test_accounts_terms_usage_and_first_publish_dates(
    database: Database, start_canvas: Start, inventory_settings: Build, university: University
) -> None:
    job.run(inventory_settings(start_canvas()), database)
    course_ids = university.expected_course_ids(TERM_IDS)

    accounts = _table(database, "account")
    by_id = dict(zip(accounts["canvas_id"], accounts["parent_account_id"], strict=True))
    owners = {a["id"] for a in university.expected_accounts(course_ids)}
    assert owners <= set(by_id)
    for account_id, parent in by_id.items():
        assert (None if pd.isna(parent) else parent) == university.account_by_id[account_id][
            "parent_account_id"
        ]
        assert pd.isna(parent) or parent in by_id  # every parent up the chain is there

    assert _table(database, "term")["canvas_id"].tolist() == sorted(TERM_IDS)

    usage = _table(database, "canvas_course_usage")
    assert _rows(usage, "course_id", "views", "participations") and {
        (int(r.course_id), pd.Timestamp(r.date).date(), int(r.views), int(r.participations))
        for r in usage.itertuples()
    } == {
        (u["course_id"], date.fromisoformat(u["date"]), u["views"], u["participations"])
        for u in university.expected_usage(course_ids)
    }

    courses = _table(database, "course").set_index("canvas_id")
    expected = university.expected_published_at(course_ids, which="first")
    for course_id, stamp in expected.items():
        stored = courses.loc[course_id, "published_at"]
        # Audit times may carry offsets (-04:00); the table holds UTC.
        moment = None if stamp is None else datetime.fromisoformat(stamp)
        wanted = None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)
        assert (None if pd.isna(stored) else pd.Timestamp(stored).to_pydatetime()) == wanted
    assert courses.loc[[c for c in course_ids if c not in expected], "published_at"].isna().all()
    # Its first publish is on the second page of its audit log.
    assert len(university.audit[university.long_audit_course_id]) > 100
    assert pd.notna(courses.loc[university.long_audit_course_id, "published_at"])


def test_rerun_gives_the_same_tables_and_reads_only_undated_audit_logs(
    database: Database, start_canvas: Start, inventory_settings: Build, university: University
) -> None:
    server = start_canvas()
    settings = inventory_settings(server)
    job.run(settings, database)
    first = {table: _table(database, table) for table in TABLES}
    audits = server.stats.requests["GET audit/course/courses/:id"]
    job.run(settings, database)
    for table in TABLES:
        pd.testing.assert_frame_equal(_table(database, table), first[table], check_dtype=False)
    undated = [
        c
        for c, stamp in university.expected_published_at(
            university.expected_course_ids(TERM_IDS)
        ).items()
        if stamp is None
    ]
    assert server.stats.requests["GET audit/course/courses/:id"] - audits == len(undated)


def test_first_run_request_budget(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    university: University,
) -> None:
    server = start_canvas()
    job.run(inventory_settings(server), Database(sqlite_engine))
    courses = Database(sqlite_engine).scalar("SELECT COUNT(*) FROM course")
    counts = server.stats.requests
    assert counts["POST graphql"] <= max(1, 0.2 * courses)
    kept = university.expected_course_ids(TERM_IDS)
    available = [c for c in kept if university.course_states[c] == "available"]
    assert counts["GET courses/:id/analytics/activity"] == len(available)
    # One audit page per available course, and a second for the long log.
    long_log = int(university.long_audit_course_id in available)
    assert counts["GET audit/course/courses/:id"] == len(available) + long_log
    per_course = sum(
        counts[kind]
        for kind in (
            "POST graphql",
            "GET courses/:id/analytics/activity",
            "GET audit/course/courses/:id",
        )
    )
    # Account, terms, course lists and sub-accounts: a few, whatever the size.
    assert server.stats.total_requests - per_course <= 12


def test_courses_without_students_can_be_kept(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    university: University,
) -> None:
    database = Database(sqlite_engine)
    settings = inventory_settings(
        start_canvas(), canvas_options={"keep_courses_without_students": True}
    )
    job.run(settings, database)
    kept = set(_table(database, "course")["canvas_id"])
    assert kept == set(university.expected_course_ids(TERM_IDS, keep_without_students=True))


@pytest.mark.parametrize(
    "fault",
    [
        Response(
            200, "<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"}
        ),
        Response(200, '{"views": [1, 2', {"Content-Type": "application/json"}),
        Response(403, {"errors": [{"message": "user not authorized to perform that action"}]}),
    ],
    ids=["html", "malformed", "permission"],
)
def test_a_bad_response_fails_the_job_and_keeps_the_tables(
    database: Database,
    start_canvas: Start,
    inventory_settings: Build,
    university: University,
    fault: Response,
) -> None:
    job.run(inventory_settings(start_canvas()), database)
    before = {table: _table(database, table) for table in TABLES}
    course_id = university.showcase_course_id
    broken = start_canvas(fault_paths={f"/api/v1/courses/{course_id}/analytics/activity": fault})
    with pytest.raises(FatalSourceError, match=f"courses/{course_id}/analytics/activity"):
        job.run(inventory_settings(broken), database)
    for table in TABLES:
        pd.testing.assert_frame_equal(_table(database, table), before[table])


def test_restricted_stubs_and_missing_fields_are_handled(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    university: University,
    caplog: pytest.LogCaptureFixture,
) -> None:
    course_id = university.showcase_course_id
    sparse = {
        "id": course_id,
        "name": "Sparse 🧪 course",
        "account_id": 1,
        "enrollment_term_id": 164,
        "workflow_state": "available",
    }
    listing = [sparse, {"id": 999, "access_restricted_by_date": True}]
    server = start_canvas(fault_paths={"/api/v1/accounts/1/courses": Response(200, listing)})
    settings = inventory_settings(
        server, canvas_options={"keep_courses_without_students": True, "term_ids": (164,)}
    )
    database = Database(sqlite_engine)
    caplog.set_level(logging.WARNING)
    job.run(settings, database)
    courses = _table(database, "course")
    assert courses["canvas_id"].tolist() == [course_id]
    assert courses["name"].tolist() == ["Sparse 🧪 course"]
    assert courses[["sis_id", "created_at"]].isna().all().all()
    assert "1 restricted course stubs" in caplog.text
    assert len(_table(database, "enrollment")) > 0


def test_without_udw_the_job_says_so(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    canvas_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    statuses = job.run(inventory_settings(start_canvas()), Database(sqlite_engine))
    assert [s.name for s in statuses] == [DataSourceName.CANVAS_API]
    assert "UDW not configured" in caplog.text
    assert canvas_token not in caplog.text


def test_csvs_mirror_the_tables(
    sqlite_engine: sa.Engine, start_canvas: Start, inventory_settings: Build, canvas_token: str
) -> None:
    settings = inventory_settings(start_canvas(), create_csvs=True)
    database = Database(sqlite_engine)
    job.run(settings, database)
    for table in TABLES:
        written = pd.read_csv(settings.data_dir / f"{table}.csv")
        assert len(written) == database.scalar(f"SELECT COUNT(*) FROM {table}")
        assert canvas_token not in (settings.data_dir / f"{table}.csv").read_text()
    assert not list(settings.data_dir.glob(".*partial"))


def test_bulk_load_path_on_mariadb(
    mariadb_engine: sa.Engine, start_canvas: Start, inventory_settings: Build
) -> None:
    # Real sizes go through LOAD DATA; force it on the tiny university too.
    database = Database(mariadb_engine, bulk_min_rows=1)
    job.run(inventory_settings(start_canvas()), database)
    for table in TABLES:
        assert database.scalar(f"SELECT COUNT(*) FROM {table}") > 0


def test_udw_enrichment_on_postgresql(
    pg_url: str,
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    university: University,
) -> None:
    fill_udw(pg_url, university)
    warehouse = sa.create_engine(pg_url)
    with warehouse.begin() as conn:
        conn.execute(
            sa.text("UPDATE course_section_dim SET sis_source_id = 'UDW-' || canvas_id::text")
        )
    warehouse.dispose()
    settings = inventory_settings(start_canvas(), udw=UdwSettings(pg_url))
    database = Database(sqlite_engine)
    statuses = job.run(settings, database)
    assert [s.name for s in statuses] == [
        DataSourceName.CANVAS_API,
        DataSourceName.UNIZIN_DATA_WAREHOUSE,
    ]
    assert statuses[1].data_updated_at == university.warehouse_date
    sections = _table(database, "course_section")
    assert (sections["sis_id"] == "UDW-" + sections["canvas_id"].astype(str)).all()


def test_check_makes_one_request_of_every_kind_and_writes_nothing(
    start_canvas: Start, inventory_settings: Build
) -> None:
    server = start_canvas()
    reached = job.check(inventory_settings(server))
    assert "Fall 2026" in reached and "UDW not configured" in reached
    counts = server.stats.requests
    assert counts["POST graphql"] == 1
    assert counts["GET accounts/:id/courses"] == 1
    assert counts["GET courses/:id/analytics/activity"] == 1
    assert counts["GET audit/course/courses/:id"] == 1
    assert counts["GET accounts/:id/terms/:id"] == len(TERM_IDS)
    assert counts["GET accounts/:id"] == 1


@pytest.mark.parametrize(
    ("rights", "named"),
    [
        ({"roster": False}, "roster right (read_roster"),
        ({"analytics": False}, "view_analytics right"),
        ({"audit": False}, "view_course_changes right"),
    ],
    ids=["roster", "analytics", "audit"],
)
def test_a_missing_right_is_named_by_check_and_by_the_run(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    rights: dict[str, bool],
    named: str,
) -> None:
    server = start_canvas(rights=canvas_api.Rights(**rights))
    settings = inventory_settings(server)
    with pytest.raises(FatalSourceError, match=re.escape(named)) as checked:
        job.check(settings)
    with pytest.raises(FatalSourceError, match=re.escape(named)) as ran:
        job.run(settings, Database(sqlite_engine))
    if rights != {"roster": False}:  # a REST refusal quotes Canvas's request id
        assert "X-Request-Context-Id" in str(checked.value) and "HTTP 401" in str(ran.value)


def test_one_course_refused_is_skipped_and_counted(
    sqlite_engine: sa.Engine,
    start_canvas: Start,
    inventory_settings: Build,
    university: University,
    caplog: pytest.LogCaptureFixture,
) -> None:
    course = university.showcase_course_id
    refused = Response(
        401,
        {
            "status": "unauthorized",
            "errors": [{"message": "user not authorized to perform that action"}],
        },
    )
    server = start_canvas(fault_paths={f"/api/v1/courses/{course}/analytics/activity": refused})
    database = Database(sqlite_engine)
    job.run(inventory_settings(server), database)
    usage = _table(database, "canvas_course_usage")
    assert course not in set(usage["course_id"]) and len(usage)
    assert "course activity: 1 courses refused (401) and skipped" in caplog.text
