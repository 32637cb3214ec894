"""Create the data_freshness view and describe each table in a comment (MySQL), for Tableau."""

from __future__ import annotations

from typing import Any

from yoyo import step

from db.ddl import dialect_of

__depends__ = {"0022.create_etl_cursor"}

# Each source and the tables it feeds, as the job specs in vocab.py say when this was written.
# A change there needs a new migration re-creating the view (tests/db compares the two).
SOURCE_TABLES = {
    "CANVAS_API": "term, account, course, course_section, enrollment, canvas_course_usage",
    "UNIZIN_DATA_WAREHOUSE": (
        "term, account, course, course_section, enrollment, canvas_course_usage"
    ),
    "CANVAS_LTI": "lti_placement",
    "ZOOM_API": "zoom_meeting",
    "UNIZIN_DATA_PLATFORM_EVENTS": (
        "mivideo_media_started_hourly, mivideo_media_created, mivideo_media_courses"
    ),
    "KALTURA_API": "mivideo_media_started_hourly, mivideo_media_created, mivideo_media_courses",
    "MATOMO_API": "matomo_visits_day, matomo_page_day",
    "OPENEDX_TRACKING_LOGS": (
        "edx_log_file, edx_log_file_name, edx_learner_day, edx_course_activity_weekly, "
        "edx_event_type_day, edx_enrollment_event, edx_enrollment_day, edx_learner_course, "
        "edx_time_spent_day, kpi_params, edx_video_viewing, edx_video, edx_video_segment, "
        "edx_video_learner, edx_page_day, edx_engagement_week, edx_time_on_page_day"
    ),
    "OPENEDX_LMS_REPORTS": (
        "edx_report_file, edx_report_column, edx_grade_report_learner, edx_grade_cell, "
        "edx_problem_cell, edx_profile_row"
    ),
}
SOURCES = " UNION ALL ".join(
    f"SELECT '{source}' AS source, '{tables}' AS feeds_tables"
    for source, tables in SOURCE_TABLES.items()
)
# One row per source, never updated ones included (last_updated_utc NULL): a freshness field
# to drag onto a dashboard. Times are naive UTC like every DATETIME in the database.
VIEW = f"""
CREATE VIEW data_freshness AS
SELECT m.source, MAX(s.data_updated_at) AS last_updated_utc, m.feeds_tables
FROM ({SOURCES}) m
LEFT JOIN data_source_status s ON s.data_source_name = m.source
GROUP BY m.source, m.feeds_tables
"""
COMMENTS = {
    "job_run": "One row per job run: status, times (UTC), rows per table, error",
    "data_source_status": "Freshness of each source per successful job run; see data_freshness",
    "term": "Canvas enrollment terms (COURSE_INVENTORY)",
    "account": "Canvas accounts (COURSE_INVENTORY)",
    "course": "Canvas courses of the configured terms (COURSE_INVENTORY)",
    "course_section": "Canvas course sections, SIS ids from UDW if configured (COURSE_INVENTORY)",
    "enrollment": "Canvas enrollments in those sections (COURSE_INVENTORY)",
    "canvas_course_usage": "Canvas course activity per day (COURSE_INVENTORY)",
    "lti_placement": "External-tool (LTI) tabs in published Canvas courses (CANVAS_LTI)",
    "lti_type": "The LTI tools CANVAS_LTI looks for, by Canvas tool id",
    "zoom_meeting": "Zoom meetings, one row per meeting instance (ONLINE_MEETINGS)",
    "mivideo_media_started_hourly": "MiVideo media starts per course and hour, UTC (MIVIDEO)",
    "mivideo_media_created": "MiVideo media created in Kaltura (MIVIDEO)",
    "mivideo_media_courses": "Which Canvas courses each MiVideo media is placed in (MIVIDEO)",
    "matomo_visits_day": "Matomo visits per site and day (MATOMO_STATISTICS)",
    "matomo_page_day": "Matomo page views per site, day and page (MATOMO_STATISTICS)",
    "etl_cursor": "Where each incremental source resumes",
}


def _existing(cursor: Any) -> set[str]:
    # Migrations of other blocks may not have run yet: comment only the tables that exist.
    cursor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    )
    return {row[0] for row in cursor.fetchall()}


def apply(conn: Any) -> None:
    cursor = conn.cursor()
    cursor.execute(VIEW)
    if dialect_of(conn) == "mysql":  # SQLite has no table comments
        existing = _existing(cursor)
        for table, comment in COMMENTS.items():
            if table in existing:
                cursor.execute(f"ALTER TABLE {table} COMMENT = %s", (comment,))


def rollback(conn: Any) -> None:
    cursor = conn.cursor()
    cursor.execute("DROP VIEW data_freshness")
    if dialect_of(conn) == "mysql":
        existing = _existing(cursor)
        for table in COMMENTS:
            if table in existing:
                cursor.execute(f"ALTER TABLE {table} COMMENT = ''")


step(apply, rollback)
