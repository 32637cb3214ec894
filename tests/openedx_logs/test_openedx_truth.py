"""Every table against the generator's ground truth, on MariaDB and SQLite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import TABLE_KEYS, expected_rows, table_rows

from db import Database
from openedx_logs import job
from sandbox.tracking_logs import expected
from sandbox.tracking_logs.scenario import Scenario

COLUMNS = {
    "edx_learner_day": [
        "course_id",
        "username",
        "date",
        "events",
        "active_events",
        "problem_attempts",
        "video_plays",
        "forum_posts",
        "first_event_at",
        "last_event_at",
    ],
    "edx_event_type_day": ["course_id", "date", "event_source", "event_type", "events", "users"],
    "edx_course_activity_weekly": ["course_id", "week_start", "label", "users"],
    "edx_enrollment_event": ["course_id", "username", "event_time", "date", "event_type", "mode"],
    "edx_enrollment_day": [
        "course_id",
        "date",
        "mode",
        "enrollments",
        "unenrollments",
        "enrolled_end_of_day",
        "cumulative_enrollments",
    ],
    "edx_learner_course": [
        "course_id",
        "username",
        "first_event_at",
        "last_event_at",
        "days_active",
        "enrollment_state",
        "enrollment_mode",
        "first_enrolled_at",
        "last_unenrolled_at",
        "problems_attempted",
        "seconds",
        "status",
    ],
    "edx_time_spent_day": [
        "course_id",
        "username",
        "date",
        "method",
        "seconds",
        "sessions",
        "events",
    ],
}


def test_every_table_matches_the_ground_truth(
    database: Database, log_dir: Path, santiago: Scenario, settings_for: Callable
) -> None:
    job.run(settings_for([str(log_dir)]), database)
    truth = expected.tables(santiago)
    for table, columns in COLUMNS.items():
        got = table_rows(database, table, columns)
        want = expected_rows(truth[table], columns)
        assert len(got) == len(want), table
        assert got == want, table
    assert set(TABLE_KEYS) == set(COLUMNS)
