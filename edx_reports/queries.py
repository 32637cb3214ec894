"""SQL text of the EDX_REPORTS job."""

from __future__ import annotations

FILE_KEY = ("course_id", "report_type", "file_name")

# A file whose bytes were parsed before, under any name, is not parsed again.
PARSED_SHA256 = """
SELECT file_name FROM edx_report_file
WHERE sha256 = :sha256 AND status = 'parsed'
"""

# Report files of one course already filed, to tell what a listing holds that is new.
KNOWN_FILES = """
SELECT report_type, file_name, status, sha256 FROM edx_report_file
WHERE course_id = :course_id
"""

FILE_ID = """
SELECT id FROM edx_report_file
WHERE course_id = :course_id AND report_type = :report_type AND file_name = :file_name
"""

# Files of one report generation: their rows are what a new parse of it replaces.
FILES_OF_GENERATION = """
SELECT id FROM edx_report_file
WHERE course_id = :course_id AND report_type = :report_type AND generated_at = :generated_at
"""

GENERATION = "course_id = :course_id AND generated_at = :generated_at"
# The placeholder row of a course and report that failed before any file existed.
NO_FILE = "course_id = :course_id AND report_type = :report_type AND file_name = ''"

FAILED_THIS_RUN = """
SELECT course_id, report_type, file_name, status, error FROM edx_report_file
WHERE run_id = :run_id AND status IN ('failed', 'timed out')
ORDER BY course_id, report_type
"""
