"""SQL text of the MIVIDEO job: the UDP event query (BigQuery) and inventory watermarks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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

# The same counts on `event_store.expanded`, where Caliper is flattened: `ed_app` is a record,
# the course id sits in the JSON string `object.extensions` (the quoted key is the safe
# spelling of a key with a colon), and only these columns are read, not the event JSON.
# `event_time` bounds the scan to the partitions of the window (the table requires it) and
# its parameters are typed like the column (DATETIME there: no implicit cast in GoogleSQL).
MEDIA_STARTED_HOURLY_EXPANDED = """
SELECT
  event_hour_utc,
  course_id,
  MAX(event_time) AS event_time_utc_latest,
  COUNT(*) AS event_count
FROM (
  SELECT
    {hour_expression} AS event_hour_utc,
    JSON_VALUE(object.extensions, '$."kaf:course_id"') AS course_id,
    event_time
  FROM `{table}`
  WHERE type = 'MediaEvent'
    AND action = 'Started'
    AND ed_app.id IN ({app_params})
    AND event_time >= @since
    AND event_time < @until
) AS started
WHERE course_id IS NOT NULL
GROUP BY event_hour_utc, course_id
ORDER BY event_hour_utc, course_id
"""
HOUR_OF = {
    "TIMESTAMP": "FORMAT_TIMESTAMP('%Y-%m-%d %H', event_time, 'UTC')",
    "DATETIME": "FORMAT_DATETIME('%Y-%m-%d %H', event_time)",
}

# The columns the event query depends on, with their BigQuery types, found once per run.
COLUMN_TYPES = """
SELECT column_name, data_type
FROM `{dataset}.INFORMATION_SCHEMA.COLUMNS`
WHERE table_name = @table_name AND column_name IN ('ed_app', 'event_time', 'object', 'event')
"""

BIGQUERY_PROBE = "SELECT 1 AS ok"

LATEST_EVENT_LOADED = "SELECT MAX(event_time_utc_latest) FROM mivideo_media_started_hourly"
LATEST_MEDIA_CREATED = "SELECT MAX(created_at) FROM mivideo_media_created"


def media_ids_in(count: int) -> tuple[str, list[str]]:
    """``media_id IN (:m0, ...)`` for ``count`` ids, and the parameter names in order."""
    names = [f"m{index}" for index in range(count)]
    return f"media_id IN ({', '.join(':' + name for name in names)})", names


# project.dataset.table; identifiers cannot be query parameters, so the name is checked instead.
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){1,2}$")


def media_started_hourly(
    table: str,
    apps: Sequence[str],
    since: datetime,
    until: datetime,
    columns: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The hourly-count query for ``table`` and its parameters (one per Kaltura app id).

    ``columns`` (name -> BigQuery type, from :data:`COLUMN_TYPES`) picks the shape: a record
    ``ed_app`` is the ``expanded`` table, a string one the legacy ``events``. Without it the
    legacy shape is assumed. See :func:`parameter_types` for how the bounds are typed.

    Raises:
        ConfigError: a bad table name, no app ids, or columns of types the query cannot read.
    """
    check_table_name(table)
    if not apps:
        raise ConfigError(["MIVIDEO.kaf_app_urls: no Kaltura app ids to count events for"])
    app_params = {f"kaf_app_{index}": app for index, app in enumerate(apps)}
    names = ", ".join(f"@{name}" for name in app_params)
    shape = table_shape(table, columns or {"ed_app": "STRING", "event_time": "TIMESTAMP"})
    if shape == "expanded":
        hour = HOUR_OF[(columns or {})["event_time"]]
        sql = MEDIA_STARTED_HOURLY_EXPANDED.format(
            table=table, app_params=names, hour_expression=hour
        )
    else:
        sql = MEDIA_STARTED_HOURLY.format(table=table, app_params=names)
    return sql, {**app_params, "since": since, "until": until}


def parameter_types(columns: Mapping[str, str] | None) -> dict[str, str]:
    """BigQuery types of the window bounds: the type of ``event_time`` (TIMESTAMP by default).

    A DATETIME column takes DATETIME bounds (UTC wall time): GoogleSQL does not compare a
    DATETIME with a TIMESTAMP.
    """
    kind = (columns or {}).get("event_time", "TIMESTAMP")
    return {"since": kind, "until": kind}


def table_shape(table: str, columns: Mapping[str, str]) -> str:
    """``expanded`` or ``events``, from the column types; ConfigError naming what was found."""
    ed_app, event_time = columns.get("ed_app", ""), columns.get("event_time", "")
    if ed_app.startswith("STRUCT") and event_time in HOUR_OF and "object" in columns:
        return "expanded"
    if ed_app == "STRING" and event_time == "TIMESTAMP":
        return "events"
    found = ", ".join(f"{name} {kind}" for name, kind in sorted(columns.items())) or "none"
    raise ConfigError(
        [
            f"MIVIDEO.events_table: {table} has columns of types the event query cannot read "
            f"(found: {found}; expected ed_app STRUCT, object STRUCT and event_time DATETIME "
            f"or TIMESTAMP for event_store.expanded, or ed_app STRING and event_time "
            f"TIMESTAMP for the legacy events)"
        ]
    )


def column_types_query(table: str) -> tuple[str, dict[str, Any]]:
    """The INFORMATION_SCHEMA query for the columns of ``table`` the event query reads."""
    check_table_name(table)
    dataset, _, name = table.rpartition(".")
    return COLUMN_TYPES.format(dataset=dataset), {"table_name": name}


def check_table_name(table: str) -> None:
    if not _TABLE_NAME.match(table):
        raise ConfigError([f"MIVIDEO.events_table: not a BigQuery table name: {table!r}"])
