"""Describe the OPENEDX_LOGS tables in a comment (MySQL), as 0023 does for the others."""

from __future__ import annotations

from yoyo import step

from db.ddl import comment_tables

# After the OPENEDX_LOGS tables exist, whichever order the blocks were applied in.
__depends__ = {"0025.comment_edx_report_tables", "0066.create_edx_engagement_week"}

COMMENTS = {
    "edx_log_file": "Each Open edX tracking log read, by content: offsets, counts (OPENEDX_LOGS)",
    "edx_log_file_name": "Names under which each tracking log was seen (OPENEDX_LOGS)",
    "edx_learner_day": "Open edX activity per course, learner and day (OPENEDX_LOGS)",
    "edx_course_activity_weekly": "Distinct Open edX learners per course, week, label",
    "edx_event_type_day": "Open edX events per course, day, source and type (OPENEDX_LOGS)",
    "edx_enrollment_event": "Open edX enrollment events (OPENEDX_LOGS)",
    "edx_enrollment_day": "Open edX enrollments per course, day and mode (OPENEDX_LOGS)",
    "edx_learner_course": "Open edX learner summary per course (OPENEDX_LOGS)",
    "edx_time_spent_day": "Open edX time spent per learner and day, by method (OPENEDX_LOGS)",
    "kpi_params": "Methods and parameters behind each parameters hash (OPENEDX_LOGS)",
    "edx_video_viewing": "Open edX video viewings, start and end offsets (OPENEDX_LOGS)",
    "edx_video": "Open edX video audience and duration per course video (OPENEDX_LOGS)",
    "edx_video_segment": "Open edX video users and viewings per segment (OPENEDX_LOGS)",
    "edx_video_learner": "Open edX video coverage and completion per learner (OPENEDX_LOGS)",
    "edx_page_day": "Open edX page views per course, day and page (OPENEDX_LOGS)",
    "edx_time_on_page_day": "Open edX time on page per learner, day, page, method",
    "edx_engagement_week": "Open edX weekly engagement metrics and ranges (OPENEDX_LOGS)",
}


step(*comment_tables(COMMENTS))
