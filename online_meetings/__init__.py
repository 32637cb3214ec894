"""ONLINE_MEETINGS: Zoom meeting usage per UTC day."""
