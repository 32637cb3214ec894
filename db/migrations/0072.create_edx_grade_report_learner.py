"""Create edx_grade_report_learner: one row per learner of a grade report generation."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0071.create_edx_report_column"}

step(
    *create_table(
        "edx_grade_report_learner",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    generated_at DATETIME NOT NULL,
    user_id BIGINT NOT NULL,
    email VARCHAR(254) NULL,
    username VARCHAR(150) NULL,
    grade DOUBLE NULL,
    cohort VARCHAR(255) NULL,
    team VARCHAR(255) NULL,
    enrollment_track VARCHAR(100) NULL,
    verification_status VARCHAR(100) NULL,
    certificate_eligible VARCHAR(20) NULL,
    certificate_delivered VARCHAR(20) NULL,
    certificate_type VARCHAR(100) NULL,
    enrollment_status VARCHAR(20) NULL,
    experiment_groups TEXT NULL,
    PRIMARY KEY (course_id, generated_at, user_id)
""",
    )
)
