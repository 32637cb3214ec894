"""SQL text of the MIVIDEO job: the UDP event query (BigQuery) and inventory watermarks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vocab import ConfigError

# Counts of Caliper MediaEvent/Started per UTC hour and raw kaf:course_id, for whole hours in
# [@since, @until). The course id stays a string: the job keeps decimal ids only, the same rule
# as for Kaltura categories (SAFE_CAST would also accept hex such as '0x1A').
MEDIA_STARTED_HOURLY = """
SELECT
  event_hour_utc,
  course_id,
  MAX(event_time) AS event_time_utc_latest,
  COUNT(*) AS event_count
FROM (
  SELECT
    FORMAT_TIMESTAMP('%Y-%m-%d %H', event_time, 'UTC') AS event_hour_utc,
    JSON_EXTRACT_SCALAR(event, '$.object.extensions.kaf:course_id') AS course_id,
    event_time
  FROM `{table}`
  WHERE type = 'MediaEvent'
    AND action = 'Started'
    AND ed_app IN ({app_params})
    AND event_time >= @since
    AND event_time < @until
) AS started
WHERE course_id IS NOT NULL
GROUP BY event_hour_utc, course_id
ORDER BY event_hour_utc, course_id
"""

BIGQUERY_PROBE = "SELECT 1 AS ok"

LATEST_EVENT_LOADED = "SELECT MAX(event_time_utc_latest) FROM mivideo_media_started_hourly"
LATEST_MEDIA_CREATED = "SELECT MAX(created_at) FROM mivideo_media_created"

# project.dataset.table; identifiers cannot be query parameters, so the name is checked instead.
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){1,2}$")


def media_started_hourly(
    table: str,
    apps: Sequence[str],
    since: datetime,
    until: datetime,
) -> tuple[str, dict[str, Any]]:
    """The hourly-count query for ``table`` and its parameters (one per Kaltura app id)."""
    if not _TABLE_NAME.match(table):
        raise ConfigError([f"MIVIDEO.events_table: not a BigQuery table name: {table!r}"])
    if not apps:
        raise ConfigError(["MIVIDEO.kaf_app_urls: no Kaltura app ids to count events for"])
    app_params = {f"kaf_app_{index}": app for index, app in enumerate(apps)}
    sql = MEDIA_STARTED_HOURLY.format(
        table=table, app_params=", ".join(f"@{name}" for name in app_params)
    )
    return sql, {**app_params, "since": since, "until": until}
