"""``run_jobs.py status``: each job's last run and each source's freshness (for alerts)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from logs import current_format
from vocab import ConfigError, DatabaseUnavailable, DataSourceName

if TYPE_CHECKING:
    import sqlalchemy as sa

    from settings import Settings

logger = logging.getLogger("run_jobs")

EXIT_FRESH, EXIT_STALE = 0, 1


def parse_max_ages(values: Sequence[str]) -> dict[str, float]:
    """``SOURCE=HOURS`` options as a dict.

    Raises:
        ConfigError: an unknown source or a number of hours that is not one.
    """
    ages, errors = {}, []
    known = [s.value for s in DataSourceName]
    for value in values:
        source, _, hours = value.partition("=")
        source = source.strip().upper()
        try:
            ages[source] = float(hours)
        except ValueError:
            errors.append(f"--max-age {value!r}: expected SOURCE=HOURS, e.g. ZOOM_API=36")
            continue
        if source not in known:
            errors.append(f"--max-age {value!r}: unknown source; use one of {', '.join(known)}")
    if errors:
        raise ConfigError(errors)
    return ages


def report(settings: Settings, max_ages: Mapping[str, float]) -> int:
    """Print the status and return 1 when a source is older than its --max-age, else 0."""
    from db import engine, runs

    db_engine = engine.make_engine(settings.db)
    engine.wait_for_database(db_engine, settings.db_wait_seconds)
    try:
        _require_migrated(db_engine)
        last, fresh = runs.last_runs(db_engine), runs.freshness(db_engine)
    finally:
        db_engine.dispose()
    now = runs.utc_now()
    jobs = [_job_entry(job, last.get(job)) for job in _jobs(settings, last)]
    sources = [_source_entry(s, fresh.get(s), now, max_ages.get(s)) for s in sorted(fresh)]
    stale = [s["source"] for s in sources if s["stale"]]
    if current_format() == "json":
        sys.stdout.write(json.dumps({"jobs": jobs, "sources": sources, "stale": stale}) + "\n")
    else:
        sys.stdout.write(_text(jobs, sources, stale))
    return EXIT_STALE if stale else EXIT_FRESH


def _require_migrated(db_engine: sa.Engine) -> None:
    """Status only reads: a database no run has migrated yet gets the fix, not a SQL error."""
    import sqlalchemy as sa

    inspector = sa.inspect(db_engine)
    found = set(inspector.get_table_names()) | set(inspector.get_view_names())
    missing = sorted({"job_run", "data_source_status", "data_freshness"} - found)
    if missing:
        where = db_engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(
            f"{where} has no {', '.join(missing)} yet: its migrations have not been applied; "
            "run the jobs once (python run_jobs.py), which applies them"
        )


def _jobs(settings: Settings, last: Mapping[str, Any]) -> list[str]:
    configured = [job.name for job in settings.job_names]
    return configured + sorted(name for name in last if name not in configured)


def _job_entry(name: str, row: Mapping[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"job": name, "status": "never run"}
    started, finished = _stamp(row["started_at"]), _stamp(row["finished_at"])
    seconds = (finished - started).total_seconds() if started and finished else None
    return {
        "job": name,
        "status": row["status"],
        "started_utc": started.isoformat(sep=" ") if started else None,
        "seconds": seconds,
        "rows": json.loads(row["rows_by_table"]) if row["rows_by_table"] else {},
        "error": row["error"],
    }


def _source_entry(
    source: str, updated: datetime | None, now: datetime, max_age: float | None
) -> dict[str, Any]:
    hours = (now - updated).total_seconds() / 3600 if updated else None
    stale = max_age is not None and (hours is None or hours > max_age)
    return {
        "source": source,
        "last_updated_utc": updated.isoformat(sep=" ") if updated else None,
        "age_hours": round(hours, 1) if hours is not None else None,
        "max_age_hours": max_age,
        "stale": stale,
    }


def _stamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _text(jobs: list[dict[str, Any]], sources: list[dict[str, Any]], stale: list[str]) -> str:
    lines = ["jobs (last run):"]
    for job in jobs:
        if job["status"] == "never run":
            lines.append(f"  {job['job']}: never run")
            continue
        rows = ", ".join(f"{t} {n}" for t, n in job["rows"].items()) or "no rows"
        took = f"{job['seconds']:.0f} s" if job["seconds"] is not None else "still running?"
        line = f"  {job['job']}: {job['status']} at {job['started_utc']} UTC, {took}; {rows}"
        lines.append(line + (f"; error: {job['error'][:200]}" if job["error"] else ""))
    lines.append("sources (data as of, UTC):")
    for source in sources:
        age = f"{source['age_hours']} h ago" if source["age_hours"] is not None else "never"
        limit = f" (max {source['max_age_hours']:g} h)" if source["max_age_hours"] else ""
        mark = "  STALE" if source["stale"] else ""
        lines.append(
            f"  {source['source']}: {source['last_updated_utc'] or '-'}, {age}{limit}{mark}"
        )
    verdict = f"stale: {', '.join(stale)}" if stale else "every source within its --max-age"
    lines.append(f"course-inventory status: {verdict}")
    return "\n".join(lines) + "\n"
