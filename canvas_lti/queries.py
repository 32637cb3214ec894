"""SQL text of the CANVAS_LTI job."""

from __future__ import annotations

KNOWN_TOOL_IDS = "SELECT canvas_id FROM lti_type"
EXISTING_PLACEMENTS = "SELECT id, course_id, placement_type_id FROM lti_placement"
