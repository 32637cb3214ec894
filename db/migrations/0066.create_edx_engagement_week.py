"""Create edx_engagement_week: engagement metrics and their ranges per learner and ISO week."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0065.create_edx_time_on_page_day"}

step(
    *create_table(
        "edx_engagement_week",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    week_start DATE NOT NULL,
    problem_attempts BIGINT NOT NULL,
    problems_attempted BIGINT NOT NULL,
    problems_completed BIGINT NOT NULL,
    problem_attempts_per_completed DOUBLE NULL,
    videos_viewed BIGINT NOT NULL,
    discussion_contributions BIGINT NOT NULL,
    days_active BIGINT NOT NULL,
    problem_attempts_range VARCHAR(10) NULL,
    problems_attempted_range VARCHAR(10) NULL,
    problems_completed_range VARCHAR(10) NULL,
    problem_attempts_per_completed_range VARCHAR(10) NULL,
    videos_viewed_range VARCHAR(10) NULL,
    discussion_contributions_range VARCHAR(10) NULL,
    days_active_range VARCHAR(10) NULL,
    segments VARCHAR(100) NOT NULL,
    PRIMARY KEY (course_id, username, week_start)
""",
    )
)
