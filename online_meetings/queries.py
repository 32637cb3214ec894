"""SQL text of the ONLINE_MEETINGS job."""

from __future__ import annotations

LATEST_MEETING_DAY = "SELECT MAX(meeting_day) FROM zoom_meeting"
