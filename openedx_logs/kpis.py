"""The KPI rows a run rewrites: the local days its new events touch, recomputed from the store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from openedx_logs import engagement, pages, queries, store, transform, video
from openedx_logs.methods import params_hash
from settings import OpenEdxLogsSettings

logger = logging.getLogger(__name__)

TIME_SPENT_BUCKET_ROWS = 2_000_000  # events per time-spent batch: bounds memory on huge stores
DAY_TABLES = ("edx_learner_day", "edx_event_type_day", "edx_enrollment_event")


@dataclass
class Kpis:
    """Rows to write, and the days and weeks whose old rows they replace."""

    days: list[date]
    weeks: list[date]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    videos: list[str] = field(default_factory=list)  # whose video rows are rewritten
    warnings: list[str] = field(default_factory=list)


def touched_days(con: duckdb.DuckDBPyConnection, parts: Sequence[str], zone: str) -> list[date]:
    """Local days of the events in the staged parts."""
    if not parts:
        return []
    rows = con.execute(
        f"SELECT DISTINCT CAST(timezone('{_lit(zone)}', timezone('UTC', ts)) "
        "AS DATE) FROM read_parquet(?)",
        [list(parts)],
    ).fetchall()
    return sorted(row[0] for row in rows)


def compute(
    con: duckdb.DuckDBPyConnection,
    cfg: OpenEdxLogsSettings,
    touched: Sequence[date],
    old_seconds: Callable[[Sequence[date], str], pd.DataFrame],
) -> Kpis:
    """Every table's rows for the days `touched` widened by the look-back.

    `old_seconds(days, params_hash)` returns the stored default-method seconds per learner and
    course outside `days`, so whole-history totals need no rereading of old days.
    """
    days = sorted(store.neighbourhood(touched, cfg.look_back_days, 0))
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
    out = Kpis(days, weeks)
    if not days:
        return out
    _prepare(con, cfg, days, weeks)
    out.frames["edx_learner_day"] = _dated(con.execute(queries.LEARNER_DAY).df())
    out.frames["edx_event_type_day"] = _dated(con.execute(queries.EVENT_TYPE_DAY).df())
    engagement_week = con.execute(queries.ENGAGEMENT_WEEK).df()
    out.frames["edx_engagement_week"] = engagement.with_segments(
        _dated(engagement_week, "week_start")
    )
    out.frames["edx_course_activity_weekly"] = _dated(
        con.execute(queries.ACTIVITY_WEEKLY).df(), "week_start"
    )
    spent, on_page = _time_spent(con, cfg, set(days))
    out.frames["edx_time_spent_day"] = spent
    out.frames["edx_time_on_page_day"] = on_page
    out.frames["edx_page_day"] = _dated(con.execute(queries.PAGE_DAY).df())
    _enrollment(con, out, set(days))
    out.frames["edx_learner_course"] = _learner_course(con, cfg, out, old_seconds)
    hashed = {params_hash(m.name, m.params) for m in cfg.methods}
    extra = [
        m for m in pages.page_methods(cfg.methods) if params_hash(m.name, m.params) not in hashed
    ]
    out.frames["kpi_params"] = transform.kpi_params([*cfg.methods, *extra], "OPENEDX_LOGS")
    _videos(con, cfg, out)
    return out


def _lit(text: str) -> str:
    return text.replace("'", "''")


def _prepare(
    con: duckdb.DuckDBPyConnection, cfg: OpenEdxLogsSettings, days: list[date], weeks: list[date]
) -> None:
    root = Path(cfg.store_path)
    every = store.all_files(root)
    con.execute(queries.USER_MAP, [every])
    where = _filters(con, cfg, every)
    # Whole weeks, and the week before each for the engagement comparison.
    week_days = {w + timedelta(days=k) for w in weeks for k in range(-7, 7)}
    context = store.neighbourhood(days, cfg.look_back_days + 1, 2) | store.neighbourhood(
        week_days, 1, 1
    )
    window = store.files_for(root, context)
    for name, files in (("window_events", window), ("history_events", every)):
        if name == "history_events" and files == window:  # a full run: the same events
            con.execute(
                "CREATE OR REPLACE TEMP VIEW history_events AS SELECT * FROM window_events"
            )
            continue
        sql = queries.EVENTS.format(
            name=name,
            zone=_lit(cfg.time_zone),
            where=where,
            page_key=queries.PAGE_KEY,
            navigation=queries.NAVIGATION,
        )
        con.execute(sql, [files])
    con.execute("CREATE OR REPLACE TEMP TABLE recompute (d DATE)")
    con.executemany("INSERT INTO recompute VALUES (?)", [[d] for d in days])
    con.execute("CREATE OR REPLACE TEMP TABLE recompute_weeks (w DATE)")
    con.executemany("INSERT INTO recompute_weeks VALUES (?)", [[w] for w in weeks])


def _filters(con: duckdb.DuckDBPyConnection, cfg: OpenEdxLogsSettings, every: list[str]) -> str:
    where = []
    if cfg.courses:
        where.append("course_id IN ({})".format(", ".join(f"'{_lit(c)}'" for c in cfg.courses)))
    if cfg.exclude_usernames:
        names = ", ".join(f"'{_lit(u)}'" for u in cfg.exclude_usernames)
        where.append(f"username NOT IN ({names})")
    if cfg.exclude_course_team:
        con.execute(queries.COURSE_TEAM, [every])
        where.append(
            "NOT EXISTS (SELECT 1 FROM course_team c WHERE c.course_id = x.course_id "
            "AND c.username = x.username)"
        )
    return "".join(f" AND {clause}" for clause in where)


def _dated(frame: pd.DataFrame, column: str = "date") -> pd.DataFrame:
    frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _time_spent(
    con: duckdb.DuckDBPyConnection, cfg: OpenEdxLogsSettings, days: set[date]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """edx_time_spent_day and edx_time_on_page_day rows of the recomputed days."""
    rows = con.execute("SELECT COUNT(*) FROM window_events").fetchone()
    buckets = max(1, int(rows[0] if rows else 0) // TIME_SPENT_BUCKET_ROWS + 1)
    spent_frames, page_frames = [], []
    on_pages = pages.page_methods(cfg.methods)
    for bucket in range(buckets):
        sql = queries.TIME_SPENT_INPUT.format(buckets=buckets, bucket=bucket)
        events = _dated(con.execute(sql).df())
        spent = transform.time_spent(events, cfg.methods)
        if not spent.empty:
            spent_frames.append(spent[spent["date"].isin(days)])
        paged = pages.time_on_page(events, on_pages)
        page_frames.append(paged[paged["date"].isin(days)])
    columns = [
        "course_id",
        "username",
        "date",
        "method",
        "params_hash",
        "seconds",
        "sessions",
        "events",
    ]
    spent_all = (
        pd.concat(spent_frames, ignore_index=True)[columns]
        if spent_frames
        else pd.DataFrame(columns=columns)
    )
    return spent_all, pd.concat(page_frames, ignore_index=True)


def _enrollment(con: duckdb.DuckDBPyConnection, out: Kpis, days: set[date]) -> None:
    events = _dated(con.execute(queries.ENROLLMENT_EVENTS).df())
    recent = events[events["date"].isin(days)]
    out.frames["edx_enrollment_event"] = recent.drop_duplicates(
        ["course_id", "username", "event_time", "event_type"]
    ).reset_index(drop=True)
    out.frames["edx_enrollment_day"] = transform.enrollment_day(events)
    out.frames["_enrollment_state"] = transform.enrollment_state(events)


def _learner_course(
    con: duckdb.DuckDBPyConnection,
    cfg: OpenEdxLogsSettings,
    out: Kpis,
    old_seconds: Callable[[Sequence[date], str], pd.DataFrame],
) -> pd.DataFrame:
    pairs = pd.concat(
        [
            out.frames["edx_learner_day"][transform.PAIR],
            out.frames["edx_enrollment_event"][transform.PAIR],
        ]
    ).drop_duplicates()
    con.register("affected_frame", pairs)
    con.execute("CREATE OR REPLACE TEMP TABLE affected AS SELECT * FROM affected_frame")
    con.unregister("affected_frame")
    history = con.execute(queries.LEARNER_HISTORY).df()
    states = out.frames.pop("_enrollment_state").merge(pairs, on=transform.PAIR)
    method = cfg.default_method
    spent = out.frames["edx_time_spent_day"]
    hashed = params_hash(method.name, method.params)
    new = spent[spent["params_hash"] == hashed].groupby(transform.PAIR)["seconds"].sum()
    old = old_seconds(out.days, hashed).set_index(transform.PAIR)["seconds"]
    seconds = new.add(old, fill_value=0.0).rename("seconds").reset_index()
    return transform.learner_course(
        history, states, seconds.merge(pairs, on=transform.PAIR), method
    )


def _videos(con: duckdb.DuckDBPyConnection, cfg: OpenEdxLogsSettings, out: Kpis) -> None:
    """Video tables of every video with new events, recomputed from its whole history."""
    con.execute(queries.TOUCHED_VIDEOS)
    out.videos = [row[0] for row in con.execute("SELECT video_id FROM touched_videos").fetchall()]
    events = con.execute(queries.VIDEO_EVENTS).df()
    known = video.known_durations(events)
    views = video.all_viewings(events, known, cfg.video_pairing)
    segments = pd.concat([video.segment_rows(views, size) for size in (video.SEGMENT_S, 1)])
    learners = video.learner_rows(views, known, cfg.video_completion)
    out.frames["edx_video_viewing"] = views
    out.frames["edx_video_segment"] = segments
    out.frames["edx_video_learner"] = learners
    out.frames["edx_video"] = video.video_rows(views, segments, known, learners)
    if out.frames["edx_video"].empty:
        return
    seen = con.execute(queries.COURSE_LEARNERS).df().set_index("course_id")["learners"]
    for row in out.frames["edx_video"].itertuples(index=False):
        if row.viewers > seen.get(row.course_id, 0):
            out.warnings.append(
                f"{row.course_id} {row.video_id}: {row.viewers} viewers but "
                f"only {seen.get(row.course_id, 0)} learners seen"
            )
