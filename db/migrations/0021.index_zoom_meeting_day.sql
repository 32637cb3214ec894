-- Index zoom_meeting by day (incremental reloads delete by day).
-- depends: 0020.create_zoom_meeting

CREATE INDEX ix_zoom_meeting_meeting_day ON zoom_meeting (meeting_day);
