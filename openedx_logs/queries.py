"""SQL over the event store (DuckDB here; standard window and aggregate SQL throughout, so the
same text runs on BigQuery external tables or Spark with the noted function renames)."""

from __future__ import annotations

# user_id -> username, from every event that carries both.
USER_MAP = """
CREATE OR REPLACE TEMP TABLE user_map AS
SELECT user_id, MAX(username) AS username
FROM read_parquet(?)
WHERE user_id IS NOT NULL AND username <> ''
GROUP BY user_id
"""

# Learners of a course team: any Studio or instructor-dashboard event in that course.
COURSE_TEAM = """
CREATE OR REPLACE TEMP TABLE course_team AS
SELECT DISTINCT e.course_id, COALESCE(NULLIF(e.username, ''), m.username) AS username
FROM read_parquet(?) e LEFT JOIN user_map m ON m.user_id = e.user_id
WHERE e.event_type LIKE '%studio%' OR e.event_type LIKE '%instructor%'
"""

# The URL an event is about: server events are often the URL path itself.
_URL = "CASE WHEN e.event_type LIKE '/%' THEN e.event_type ELSE e.page END"
SEQUENCE_TYPES = (
    "'seq_goto', 'seq_next', 'seq_prev', 'edx.ui.lms.sequence.next_selected', "
    "'edx.ui.lms.sequence.previous_selected', 'edx.ui.lms.sequence.tab_selected'"
)
_COURSEWARE = "/courseware/[^/?#]+/([^/?#]+)/?([0-9]*)"
# A page is a vertical, `<sequential block>/<position>`, from a sequence navigation event or a
# courseware URL; any other page is its URL without query, fragment, trailing `/` or `/<n>`.
PAGE_KEY = f"""CASE
    WHEN e.event_type IN ({SEQUENCE_TYPES}) AND e.seq_new IS NOT NULL
         AND strpos(e.item_id, 'block@') > 0
        THEN split_part(e.item_id, 'block@', 2) || '/' || CAST(e.seq_new AS VARCHAR)
    WHEN regexp_matches({_URL}, '{_COURSEWARE}')
        THEN regexp_extract({_URL}, '{_COURSEWARE}', 1) || '/'
             || COALESCE(NULLIF(regexp_extract({_URL}, '{_COURSEWARE}', 2), ''), '1')
    ELSE regexp_replace(url_decode(split_part(split_part({_URL}, '?', 1), '#', 1)),
                        '(/[0-9]+)?/*$', '')
    END"""
NAVIGATION = f"""(e.event_type IN ({SEQUENCE_TYPES})
    OR (e.event_type LIKE '/%' AND regexp_matches(e.event_type, '{_COURSEWARE}')))"""

# Stored events of some partitions, with the learner resolved, the local day and the labels.
# {zone} is a validated IANA name; {where} adds the course filter and the exclusions.
EVENTS = """
CREATE OR REPLACE TEMP TABLE {name} AS
SELECT * FROM (
    SELECT
        e.course_id,
        CASE WHEN e.event_type LIKE 'edx.course.enrollment.%'
             THEN COALESCE(t.username, NULLIF(e.username, ''), u.username)
             ELSE COALESCE(NULLIF(e.username, ''), u.username) END AS username,
        e.ts, e.fp,
        CAST(timezone('{zone}', timezone('UTC', e.ts)) AS DATE) AS local_date,
        e.event_type, COALESCE(e.event_source, '') AS event_source, e.session, e.referer,
        e.item_id, e.mode, e.success, {page_key} AS page_key, {navigation} AS is_nav,
        e.cur_time, e.old_time, e.new_time, e.duration,
        e.event_source IS DISTINCT FROM 'task'
            AND e.event_type NOT LIKE 'edx.course.enrollment.%' AS is_active,
        e.event_source = 'server' AND e.event_type = 'problem_check' AS is_problem,
        e.event_source IN ('browser', 'mobile')
            AND e.event_type IN ('play_video', 'edx.video.played') AS is_play,
        e.event_source = 'server' AND e.event_type LIKE 'edx.forum.%'
            AND e.event_type LIKE '%.created' AS is_forum
    FROM read_parquet(?) e
    LEFT JOIN user_map u ON u.user_id = e.user_id
    LEFT JOIN user_map t ON t.user_id = e.target_user_id
) x
WHERE username IS NOT NULL AND username <> '' {where}
"""

LEARNER_DAY = """
SELECT course_id, username, local_date AS date,
       COUNT(*) AS events,
       SUM(CASE WHEN is_active THEN 1 ELSE 0 END) AS active_events,
       SUM(CASE WHEN is_problem THEN 1 ELSE 0 END) AS problem_attempts,
       SUM(CASE WHEN is_play THEN 1 ELSE 0 END) AS video_plays,
       SUM(CASE WHEN is_forum THEN 1 ELSE 0 END) AS forum_posts,
       MIN(ts) AS first_event_at, MAX(ts) AS last_event_at
FROM window_events
WHERE event_source <> 'task' AND local_date IN (SELECT d FROM recompute)
GROUP BY course_id, username, local_date
"""

EVENT_TYPE_DAY = """
SELECT course_id, local_date AS date, event_source, SUBSTR(event_type, 1, 200) AS event_type,
       COUNT(*) AS events, COUNT(DISTINCT username) AS users
FROM window_events
WHERE local_date IN (SELECT d FROM recompute)
GROUP BY course_id, local_date, event_source, SUBSTR(event_type, 1, 200)
"""

# DATE_TRUNC('week', d) is the ISO week's Monday (BigQuery: DATE_TRUNC(d, ISOWEEK)).
ACTIVITY_WEEKLY = """
SELECT course_id, week_start, label, COUNT(DISTINCT username) AS users
FROM (
    SELECT course_id, username, CAST(DATE_TRUNC('week', local_date) AS DATE) AS week_start,
           is_active, is_problem, is_play, is_forum
    FROM window_events
) w
CROSS JOIN (VALUES ('ACTIVE'), ('ATTEMPTED_PROBLEM'), ('PLAYED_VIDEO'), ('POSTED_FORUM'))
    AS labels(label)
WHERE week_start IN (SELECT w FROM recompute_weeks)
  AND CASE label WHEN 'ACTIVE' THEN is_active WHEN 'ATTEMPTED_PROBLEM' THEN is_problem
                 WHEN 'PLAYED_VIDEO' THEN is_play ELSE is_forum END
GROUP BY course_id, week_start, label
"""

TIME_SPENT_INPUT = """
SELECT course_id, username, epoch_us(ts) / 1e6 AS ts, local_date AS date, session, referer,
       event_type, page_key, is_nav
FROM window_events
WHERE event_source <> 'task' AND hash(username) % {buckets} = {bucket}
ORDER BY course_id, username, ts, fp
"""

ENROLLMENT_EVENTS = """
SELECT course_id, username, ts AS event_time, local_date AS date, event_type, mode
FROM history_events
WHERE event_type IN ('edx.course.enrollment.activated', 'edx.course.enrollment.deactivated',
                     'edx.course.enrollment.mode_changed')
ORDER BY course_id, username, ts, fp
"""

# Whole-history figures of the learners whose rows this run rewrites.
LEARNER_HISTORY = """
SELECT h.course_id, h.username,
       MIN(CASE WHEN h.is_active THEN h.ts END) AS first_event_at,
       MAX(CASE WHEN h.is_active THEN h.ts END) AS last_event_at,
       COUNT(DISTINCT CASE WHEN h.is_active THEN h.local_date END) AS days_active,
       COUNT(DISTINCT CASE WHEN h.is_problem THEN h.item_id END) AS problems_attempted,
       MAX(CASE WHEN h.event_type LIKE 'edx.special_exam.%' THEN 1 ELSE 0 END) AS exam
FROM history_events h
JOIN affected a ON a.course_id = h.course_id AND a.username = h.username
WHERE h.event_source <> 'task'
GROUP BY h.course_id, h.username
"""

VIDEO_TYPES = (
    "'play_video', 'edx.video.played', 'pause_video', 'edx.video.paused', "
    "'stop_video', 'edx.video.stopped', 'seek_video', 'edx.video.position.changed'"
)

TOUCHED_VIDEOS = f"""
CREATE OR REPLACE TEMP TABLE touched_videos AS
SELECT DISTINCT item_id AS video_id FROM window_events
WHERE local_date IN (SELECT d FROM recompute) AND item_id IS NOT NULL
  AND event_type IN ({VIDEO_TYPES})
"""

VIDEO_EVENTS = f"""
SELECT course_id, username, item_id, ts, event_type, cur_time, old_time, new_time, duration
FROM history_events
WHERE event_type IN ({VIDEO_TYPES}) AND item_id IN (SELECT video_id FROM touched_videos)
ORDER BY course_id, item_id, username, ts, fp
"""

COURSE_LEARNERS = """
SELECT course_id, COUNT(DISTINCT username) AS learners FROM history_events
WHERE event_source <> 'task' GROUP BY course_id
"""

PAGE_DAY = """
SELECT course_id, local_date AS date, SUBSTR(page_key, 1, 255) AS page, COUNT(*) AS views,
       COUNT(DISTINCT username) AS users
FROM window_events
WHERE is_nav AND page_key <> '' AND local_date IN (SELECT d FROM recompute)
GROUP BY course_id, local_date, SUBSTR(page_key, 1, 255)
"""

# The pipeline's engagement metrics per learner and ISO week, and the range of each against
# the course's learners active that week: low [0, p15), normal [p15, p85), high [p85, ...);
# high also needs a value above p15 and above 0, so a metric where learners do not differ
# (p15 = p85) or that most never reach (p85 = 0) marks nobody high.
ENGAGEMENT_METRICS = (
    "problem_attempts",
    "problems_attempted",
    "problems_completed",
    "problem_attempts_per_completed",
    "videos_viewed",
    "discussion_contributions",
    "days_active",
)
_BOUNDS = ",\n".join(
    f"        quantile_cont({m}, 0.15) AS {m}_p15, quantile_cont({m}, 0.85) AS {m}_p85"
    for m in ENGAGEMENT_METRICS
)
_RANGES = ",\n".join(
    f"    CASE WHEN r.{m} IS NULL OR b.{m}_p15 IS NULL THEN NULL\n"
    f"         WHEN r.{m} < b.{m}_p15 THEN 'low'\n"
    f"         WHEN r.{m} >= b.{m}_p85 AND r.{m} > b.{m}_p15 AND r.{m} > 0 THEN 'high'\n"
    f"         ELSE 'normal' END AS {m}_range"
    for m in ENGAGEMENT_METRICS
)
ENGAGEMENT_WEEK = f"""
WITH per AS (
    SELECT course_id, username, CAST(DATE_TRUNC('week', local_date) AS DATE) AS week_start,
        SUM(CASE WHEN is_problem THEN 1 ELSE 0 END) AS problem_attempts,
        COUNT(DISTINCT CASE WHEN is_problem THEN item_id END) AS problems_attempted,
        COUNT(DISTINCT CASE WHEN is_problem AND success = 'correct' THEN item_id END)
            AS problems_completed,
        COUNT(DISTINCT CASE WHEN is_play THEN item_id END) AS videos_viewed,
        SUM(CASE WHEN is_forum THEN 1 ELSE 0 END) AS discussion_contributions,
        COUNT(DISTINCT CASE WHEN is_active THEN local_date END) AS days_active
    FROM window_events WHERE event_source <> 'task'
    GROUP BY course_id, username, CAST(DATE_TRUNC('week', local_date) AS DATE)
), r AS (
    SELECT *, CASE WHEN problems_completed > 0
                   THEN problem_attempts * 1.0 / problems_completed END
                  AS problem_attempts_per_completed,
           LAG(week_start) OVER (PARTITION BY course_id, username ORDER BY week_start)
               AS previous_week,
           LAG(days_active) OVER (PARTITION BY course_id, username ORDER BY week_start)
               AS previous_days_active
    FROM per
), b AS (
    SELECT course_id, week_start,
{_BOUNDS}
    FROM r WHERE days_active > 0 GROUP BY course_id, week_start
)
SELECT r.course_id, r.username, r.week_start, r.problem_attempts, r.problems_attempted,
    r.problems_completed, r.problem_attempts_per_completed, r.videos_viewed,
    r.discussion_contributions, r.days_active,
{_RANGES},
    CASE WHEN r.previous_week = r.week_start - INTERVAL 7 DAY
         THEN r.previous_days_active ELSE 0 END AS previous_days_active
FROM r JOIN b ON b.course_id = r.course_id AND b.week_start = r.week_start
WHERE r.week_start IN (SELECT w FROM recompute_weeks)
"""
