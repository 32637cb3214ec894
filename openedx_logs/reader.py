"""Tracking-log lines into event rows, parsed by DuckDB: every awkward line kind recognised,
counted per reason, never fatal."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import orjson

# The stored fields; `event_date` (the UTC day) is added as the store's partition column.
FIELDS = (
    "ts",
    "fp",
    "username",
    "user_id",
    "course_id",
    "event_type",
    "event_source",
    "session",
    "page",
    "referer",
    "item_id",
    "cur_time",
    "old_time",
    "new_time",
    "duration",
    "seq_old",
    "seq_new",
    "success",
    "mode",
    "target_user_id",
    "chapter",
    "query",
    "code",
)
SKIP_REASONS = (
    "blank",
    "comment",
    "not_json",
    "truncated",
    "segment",
    "no_event_type",
    "bad_time",
    "no_course",
    "no_user",
)

# A byte that never occurs in a JSON line: each whole line is read as one column.
_LINES = (
    "read_csv(?, columns = {'line': 'VARCHAR'}, delim = '\x1e', quote = '', "
    "escape = '', header = false, auto_detect = false, strict_mode = false, "
    "max_line_size = 67108864)"
)
_COURSE_IN_URL = r"/courses/(course-v1:[^/+?#]+\+[^/+?#]+\+[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)(/|$)"
_BLOCK_KEY = r"block-v1:([^+/?#]+)\+([^+/?#]+)\+([^+/?#]+)\+type@"


def _valid_course(x: str) -> str:
    """SQL: `x` is `course-v1:Org+Course+Run` or `Org/Course/Run`."""
    return f"""(strpos({x}, ' ') = 0 AND CASE WHEN starts_with({x}, 'course-v1:')
        THEN length({x}) - length(replace({x}, '+', '')) = 2 AND NOT ends_with({x}, '+')
        ELSE length({x}) - length(replace({x}, '/', '')) = 2 AND strpos({x}, '//') = 0
             AND NOT starts_with({x}, '/') AND NOT ends_with({x}, '/') END)"""


def _from_url(urls: str) -> str:
    """SQL: the course id inside a /courses/<id>/ URL or a block-v1 usage key, else NULL.
    `urls` joins the candidates in order of trust, so the first match is the one wanted."""
    return f"""CASE WHEN regexp_matches({urls}, '{_COURSE_IN_URL}')
        THEN regexp_extract({urls}, '{_COURSE_IN_URL}', 1)
        WHEN regexp_matches({urls}, '{_BLOCK_KEY}')
        THEN regexp_replace(regexp_extract({urls}, '{_BLOCK_KEY}', 0),
            '^block-v1:([^+]+)\\+([^+]+)\\+([^+]+)\\+type@$', 'course-v1:\\1+\\2+\\3')
        END"""


# One JSON parse per line (TRY gives NULL for a line that is not JSON) and one per decoded
# `event`; a string `event` (browser events) comes back as its text, an object as its JSON.
PARSE = f"""
CREATE OR REPLACE TEMP TABLE parsed AS
WITH framed AS (
    SELECT CASE WHEN starts_with(line, '{{') THEN line
                ELSE substr(line, strpos(line, '{{')) END AS j,
           CASE WHEN line IS NULL OR trim(line) = '' THEN 'blank'
                WHEN starts_with(ltrim(line), '#') THEN 'comment'
                WHEN strpos(line, '{{') = 0 THEN 'not_json' END AS early
    FROM {_LINES}
), top AS (
    SELECT j, early, CASE WHEN early IS NULL THEN TRY(json_extract_string(j, ['$.username',
        '$.event_type', '$.name', '$.event_source', '$.time', '$.timestamp', '$.session',
        '$.page', '$.referer', '$.context.user_id', '$.context.course_id', '$.context.path',
        '$.messageId', '$.anonymousId', '$.context.username', '$.event', '$.properties']))
        END AS f
    FROM framed
), event AS (
    SELECT *, COALESCE(NULLIF(f[2], ''), NULLIF(f[3], '')) AS etype,
        TRY_CAST(COALESCE(f[5], f[6]) AS TIMESTAMPTZ) AS tz_time,
        CASE WHEN starts_with(f[16], '{{') THEN TRY(json_extract_string(f[16], ['$.id',
            '$.problem_id', '$.currentTime', '$.old_time', '$.new_time', '$.duration', '$.old',
            '$.new', '$.success', '$.mode', '$.user_id', '$.chapter', '$.query', '$.code',
            '$.course_id'])) END AS e
    FROM top
), resolved AS (
    SELECT *, CASE WHEN {_valid_course("f[11]")} THEN f[11]
                   WHEN {_valid_course("e[15]")} THEN e[15]
                   ELSE {_from_url("concat_ws(' ', etype, f[8], f[12])")} END AS course,
        TRY_CAST(f[10] AS BIGINT) AS uid,
        CASE WHEN starts_with(etype, 'edx.course.enroll') THEN TRY_CAST(e[11] AS BIGINT) END
            AS target
    FROM event
)
SELECT CASE WHEN early IS NOT NULL THEN early
            WHEN f IS NULL THEN CASE WHEN ends_with(rtrim(j), '}}') THEN 'not_json'
                                     ELSE 'truncated' END
            WHEN etype IS NULL THEN CASE WHEN f[13] IS NOT NULL OR f[14] IS NOT NULL
                                         OR starts_with(f[17], '{{')
                                         THEN 'segment' ELSE 'no_event_type' END
            WHEN tz_time IS NULL THEN 'bad_time'
            WHEN course IS NULL THEN 'no_course'
            WHEN COALESCE(f[1], f[15], '') = '' AND uid IS NULL AND target IS NULL
                THEN 'no_user' END AS reason,
    timezone('UTC', tz_time) AS ts, CAST(md5_number_lower(j) >> 1 AS BIGINT) AS fp,
    COALESCE(f[1], f[15], '') AS username, uid AS user_id, course AS course_id,
    etype AS event_type, f[4] AS event_source, f[7] AS session, f[8] AS page,
    f[9] AS referer, trim(COALESCE(e[1], e[2])) AS item_id,
    TRY_CAST(e[3] AS DOUBLE) AS cur_time, TRY_CAST(e[4] AS DOUBLE) AS old_time,
    TRY_CAST(e[5] AS DOUBLE) AS new_time, TRY_CAST(e[6] AS DOUBLE) AS duration,
    TRY_CAST(e[7] AS BIGINT) AS seq_old, TRY_CAST(e[8] AS BIGINT) AS seq_new,
    e[9] AS success, e[10] AS mode, target AS target_user_id, e[12] AS chapter,
    e[13] AS query, e[14] AS code
FROM resolved
"""

COUNTS = """
SELECT COUNT(*), COUNT(*) FILTER (WHERE reason IS NULL),
       COUNT(*) FILTER (WHERE reason IS NULL AND event_source = 'mobile'),
       epoch_us(MIN(ts) FILTER (WHERE reason IS NULL)),
       epoch_us(MAX(ts) FILTER (WHERE reason IS NULL))
FROM parsed
"""
REASONS = "SELECT reason, COUNT(*) FROM parsed WHERE reason IS NOT NULL GROUP BY reason"
STAGE = (
    f"COPY (SELECT {', '.join(FIELDS)} FROM parsed WHERE reason IS NULL) TO ? "
    "(FORMAT parquet, COMPRESSION lz4)"
)


@dataclass
class Parsed:
    """What the lines of one chunk held."""

    lines: int = 0
    events: int = 0
    mobile_events: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    first_us: int | None = None
    last_us: int | None = None


def connect(threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for parsing (times without an offset are UTC)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET memory_limit = '512MB'")
    return con


def parse_file(con: duckdb.DuckDBPyConnection, lines_path: str, staged_path: str) -> Parsed:
    """Parse a file of complete lines; write its events to `staged_path` (Parquet)."""
    con.execute(PARSE, [lines_path])
    counts = con.execute(COUNTS).fetchone()
    out = Parsed()
    if counts is None:
        return out
    out.lines, out.events, out.mobile_events, out.first_us, out.last_us = counts
    out.skipped = {reason: int(n) for reason, n in con.execute(REASONS).fetchall()}
    if out.events:
        con.execute(STAGE, [staged_path])
    return out


def is_complete(line: bytes) -> bool:
    """True when a line without its newline still holds a whole JSON object (after any
    prefix), so it need not wait for the rest of the file."""
    start = line.find(b"{")
    if start < 0:
        return False
    try:
        orjson.loads(line[start:])
    except orjson.JSONDecodeError:
        return False
    return True
