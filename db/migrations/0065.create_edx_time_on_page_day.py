"""Create edx_time_on_page_day: seconds per course, learner, local day, page and method."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0064.create_edx_page_day"}

step(
    *create_table(
        "edx_time_on_page_day",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    username VARCHAR(150){binary} NOT NULL,
    date DATE NOT NULL,
    page VARCHAR(255){binary} NOT NULL,
    method VARCHAR(30) NOT NULL,
    params_hash VARCHAR(16) NOT NULL,
    seconds DOUBLE NOT NULL,
    page_views BIGINT NOT NULL,
    navigation_visits BIGINT NOT NULL,
    PRIMARY KEY (course_id, username, date, page, method, params_hash)
""",
    )
)
