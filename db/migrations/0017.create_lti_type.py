"""Create lti_type: the LTI tools reported on, edited by operators."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0016.create_mivideo_media_courses"}

step(
    *create_table(
        "lti_type",
        """
    canvas_id BIGINT NOT NULL PRIMARY KEY,
    des VARCHAR(200) NULL,
    rpt_group_nm VARCHAR(200) NULL
""",
    )
)
