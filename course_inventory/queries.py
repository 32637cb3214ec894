"""SQL text of the COURSE_INVENTORY job."""

from __future__ import annotations

# Publish dates come from the audit log once per course and are carried from run to run.
KNOWN_PUBLISH_DATES = "SELECT canvas_id, published_at FROM course WHERE published_at IS NOT NULL"
