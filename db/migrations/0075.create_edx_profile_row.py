"""Create edx_profile_row: the profile information report, standard columns plus the rest."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0074.create_edx_problem_cell"}

step(
    *create_table(
        "edx_profile_row",
        """
    course_id VARCHAR(255){binary} NOT NULL,
    generated_at DATETIME NOT NULL,
    user_id BIGINT NOT NULL,
    username VARCHAR(150) NULL,
    name VARCHAR(255) NULL,
    email VARCHAR(254) NULL,
    language VARCHAR(255) NULL,
    location VARCHAR(255) NULL,
    year_of_birth INT NULL,
    gender VARCHAR(20) NULL,
    level_of_education VARCHAR(20) NULL,
    mailing_address TEXT NULL,
    goals TEXT NULL,
    enrollment_mode VARCHAR(100) NULL,
    verification_status VARCHAR(100) NULL,
    last_login DATETIME NULL,
    date_joined DATETIME NULL,
    external_user_key VARCHAR(255) NULL,
    enrollment_date DATETIME NULL,
    cohort VARCHAR(255) NULL,
    team VARCHAR(255) NULL,
    city VARCHAR(255) NULL,
    country VARCHAR(20) NULL,
    extra TEXT NULL,
    PRIMARY KEY (course_id, generated_at, user_id)
""",
    )
)
