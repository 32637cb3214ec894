"""Create edx_page_day: page views and learners per course, local day and page."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0063.create_edx_video_learner"}

step(
    *create_table(
        "edx_page_day",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    date DATE NOT NULL,
    page VARCHAR(255){binary} NOT NULL,
    views BIGINT NOT NULL,
    users BIGINT NOT NULL,
    PRIMARY KEY (course_id, date, page)
""",
    )
)
