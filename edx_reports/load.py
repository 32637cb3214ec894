"""Write one parsed report and its ledger row in a single transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd

from db import Database, Tx
from edx_reports import queries
from edx_reports.parse import ParsedReport

FILE_STATUSES = ("collected", "parsed", "failed", "timed out")


@dataclass
class FileRecord:
    """One edx_report_file row."""

    course_id: str
    report_type: str
    file_name: str
    status: str
    run_id: str
    generated_at: datetime | None = None
    collected_at: datetime | None = None
    stored_at: str | None = None
    layout: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    row_count: int | None = None
    header: str | None = None
    error: str | None = None

    def frame(self) -> pd.DataFrame:
        row = asdict(self)
        for name in ("generated_at", "collected_at"):
            if row[name] is not None:
                row[name] = row[name].astimezone(UTC).replace(tzinfo=None)
        return pd.DataFrame([row]).astype({"size_bytes": "Int64", "row_count": "Int64"})


def record(db: Database, entry: FileRecord) -> None:
    """Upsert a ledger row; a real file for a course and report clears its no-file failure."""
    with db.transaction() as tx:
        if entry.file_name:
            tx.delete_where("edx_report_file", queries.NO_FILE, _report_key(entry))
        tx.merge("edx_report_file", entry.frame(), queries.FILE_KEY)


def load_report(db: Database, parsed: ParsedReport, entry: FileRecord) -> dict[str, int]:
    """Replace the rows of this report generation and mark the file parsed, all or nothing."""
    key = {"course_id": entry.course_id, "generated_at": entry.generated_at}
    tables = [*parsed.frames, *([parsed.cells_table] if parsed.cells_table else [])]
    with db.transaction() as tx:
        for table in tables:
            _delete_generation(db, tx, table, key, parsed.report)
        for table, frame in parsed.frames.items():
            tx.append(table, frame)
        if parsed.cells_table:
            for chunk in parsed.cells:
                tx.append(parsed.cells_table, chunk)
        tx.delete_where("edx_report_file", queries.NO_FILE, _report_key(entry))
        tx.merge("edx_report_file", entry.frame(), queries.FILE_KEY)
        return dict(tx.written)


def _delete_generation(
    db: Database, tx: Tx, table: str, key: Mapping[str, object], report: str
) -> None:
    """Delete a generation's earlier rows, touching the table only when there are some:
    on MariaDB a bulk insert into a table this transaction has not yet written skips
    per-row undo logging, several times faster for a large report."""
    where = queries.GENERATION
    params = dict(key)
    if table == "edx_report_column":
        where = queries.GENERATION_OF_REPORT
        params["report_type"] = report
    if db.scalar(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", params) is not None:
        tx.delete_where(table, where, params)


def _report_key(entry: FileRecord) -> dict[str, str]:
    return {"course_id": entry.course_id, "report_type": entry.report_type}
