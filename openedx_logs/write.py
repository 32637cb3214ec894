"""Writing a run's rows: ledger, names and KPI rows in one transaction, old rows replaced."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from openedx_logs.kpis import Kpis

if TYPE_CHECKING:
    from db import Database, Tx

# Tables rewritten by local day, by ISO week, entirely, or merged by key.
BY_DAY = ("edx_learner_day", "edx_event_type_day", "edx_enrollment_event", "edx_page_day")
VIDEO_TABLES = ("edx_video_viewing", "edx_video", "edx_video_segment", "edx_video_learner")
MERGED = {"edx_learner_course": ("course_id", "username"), "kpi_params": ("params_hash",)}


def old_seconds(db: Database, days: Sequence[date], params_hash: str) -> pd.DataFrame:
    """Stored seconds of one method per learner and course, outside `days`."""
    binds, names = _in_list("d", days)
    sql = (
        "SELECT course_id, username, SUM(seconds) AS seconds FROM edx_time_spent_day "
        f"WHERE params_hash = :h AND date NOT IN ({names}) GROUP BY course_id, username"
    )
    frame = db.query_frame(sql, {"h": params_hash, **binds})
    return frame.astype({"seconds": "float64"})


def _in_list(prefix: str, values: Sequence[object]) -> tuple[dict[str, object], str]:
    binds = {f"{prefix}{k}": value for k, value in enumerate(values)}
    return binds, ", ".join(f":{name}" for name in binds)


def write(tx: Tx, ledger_rows: pd.DataFrame, name_rows: pd.DataFrame, kpis: Kpis | None) -> None:
    """Everything a run produced, in the caller's transaction."""
    if not ledger_rows.empty:
        tx.merge("edx_log_file", ledger_rows, ("fingerprint",))
    if not name_rows.empty:
        tx.merge("edx_log_file_name", name_rows.drop_duplicates("path", keep="last"), ("path",))
    if kpis is None or not kpis.days:
        return
    day_binds, day_list = _in_list("d", kpis.days)
    for table in BY_DAY:
        tx.delete_where(table, f"date IN ({day_list})", day_binds)
        _append(tx, table, kpis.frames[table])
    hashes = sorted(set(kpis.frames["kpi_params"]["params_hash"]))
    hash_binds, hash_list = _in_list("h", hashes)
    tx.delete_where(
        "edx_time_spent_day",
        f"date IN ({day_list}) AND params_hash IN ({hash_list})",
        {**day_binds, **hash_binds},
    )
    _append(tx, "edx_time_spent_day", kpis.frames["edx_time_spent_day"])
    page_hashes = sorted(set(kpis.frames["edx_time_on_page_day"]["params_hash"])) or hashes
    page_binds, page_list = _in_list("p", page_hashes)
    tx.delete_where(
        "edx_time_on_page_day",
        f"date IN ({day_list}) AND params_hash IN ({page_list})",
        {**day_binds, **page_binds},
    )
    _append(tx, "edx_time_on_page_day", kpis.frames["edx_time_on_page_day"])
    week_binds, week_list = _in_list("w", kpis.weeks)
    tx.delete_where("edx_course_activity_weekly", f"week_start IN ({week_list})", week_binds)
    _append(tx, "edx_course_activity_weekly", kpis.frames["edx_course_activity_weekly"])
    tx.delete_where("edx_engagement_week", f"week_start IN ({week_list})", week_binds)
    _append(tx, "edx_engagement_week", kpis.frames["edx_engagement_week"])
    tx.delete_where("edx_enrollment_day", "1 = 1")
    _append(tx, "edx_enrollment_day", kpis.frames["edx_enrollment_day"])
    if kpis.videos:
        video_binds, video_list = _in_list("v", kpis.videos)
        for table in VIDEO_TABLES:
            tx.delete_where(table, f"video_id IN ({video_list})", video_binds)
            _append(tx, table, kpis.frames[table])
    for table, key in MERGED.items():
        if not kpis.frames[table].empty:
            tx.merge(table, kpis.frames[table], key)


def _append(tx: Tx, table: str, frame: pd.DataFrame) -> None:
    if not frame.empty:
        tx.append(table, frame)
