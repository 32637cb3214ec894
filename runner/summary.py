"""Run summaries: each job's outcome, the closing line, and the JSON a CronJob monitor reads."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redaction import redact
from vocab import DataSourceStatus, JobName

logger = logging.getLogger(__name__)

DEFAULT_TERMINATION_LOG = Path("/dev/termination-log")
# Kubernetes keeps at most 4096 bytes of a termination message; stay well inside it.
MAX_ERROR_CHARS = 300


@dataclass
class JobOutcome:
    """How one job of this run ended."""

    job: JobName
    run_id: int
    status: str = "running"
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    statuses: list[DataSourceStatus] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job.name,
            "run_id": self.run_id,
            "status": self.status,
            "seconds": round(self.seconds, 1),
            "rows": self.rows,
            "sources": {s.name.value: s.data_updated_at.isoformat() for s in self.statuses},
            "error": (self.error or "")[:MAX_ERROR_CHARS] or None,
        }


def closing_line(outcomes: list[JobOutcome], seconds: float) -> str:
    """One line: jobs run, how many failed (named), rows written, duration."""
    failed = [o.job.name for o in outcomes if o.status != "succeeded"]
    rows = sum(sum(o.rows.values()) for o in outcomes)
    named = f" ({', '.join(failed)})" if failed else ""
    return (
        f"{len(outcomes)} job(s), {len(outcomes) - len(failed)} succeeded, "
        f"{len(failed)} failed{named}, {rows} rows written in {seconds:.0f} s"
    )


def rows_by_table(outcomes: Sequence[JobOutcome]) -> str:
    """Lines above the closing line: each job's rows per table (jobs that wrote any)."""
    lines = []
    for outcome in outcomes:
        if outcome.rows:
            tables = ", ".join(f"{table} {rows}" for table, rows in outcome.rows.items())
            lines.append(f"  {outcome.job.name} ({outcome.status}): {tables}\n")
    return "".join(lines)


def write_termination_summary(
    path: Path | None, status: str, outcomes: Sequence[JobOutcome] = (), error: str | None = None
) -> None:
    """Leave a short JSON account of the run where a CronJob monitor can read it.

    Args:
        path: the configured place, or None for /dev/termination-log when it exists.
        status: succeeded, failed, config_invalid, database_unavailable or interrupted.
    """
    target = path or (DEFAULT_TERMINATION_LOG if DEFAULT_TERMINATION_LOG.exists() else None)
    if target is None:
        return
    summary: dict[str, Any] = {"status": status, "jobs": [o.as_dict() for o in outcomes]}
    if error:
        summary["error"] = redact(error)[:MAX_ERROR_CHARS]
    try:
        target.write_text(json.dumps(summary, default=str) + "\n", encoding="utf-8")
    except OSError as err:
        logger.warning("cannot write the run summary to %s: %s", target, err)
