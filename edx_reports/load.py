"""Write one parsed report and its ledger row in a single transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
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


def record(db: Database, entry: FileRecord) -> int:
    """Upsert a ledger row and return its id; a real file clears its course's no-file failure."""
    with db.transaction() as tx:
        if entry.file_name:
            tx.delete_where("edx_report_file", queries.NO_FILE, _report_key(entry))
        tx.merge("edx_report_file", entry.frame(), queries.FILE_KEY)
    key = {**_report_key(entry), "file_name": entry.file_name}
    return int(db.scalar(queries.FILE_ID, key))


def load_report(
    db: Database, parsed: ParsedReport, entry: FileRecord, file_id: int
) -> dict[str, int]:
    """Replace the rows of this report generation and mark the file parsed, all or nothing."""
    generation = {**_report_key(entry), "generated_at": entry.generated_at}
    earlier = db.query_frame(queries.FILES_OF_GENERATION, generation)["id"].tolist()
    by_file = ["edx_report_column", *([parsed.cells_table] if parsed.cells_table else [])]
    with db.transaction() as tx:
        for table in by_file:
            _delete_files(db, tx, table, [int(i) for i in earlier])
        for table in set(parsed.frames) - set(by_file):
            where = queries.GENERATION
            params = {"course_id": entry.course_id, "generated_at": entry.generated_at}
            if db.scalar(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", params) is not None:
                tx.delete_where(table, where, params)
        for table, frame in parsed.frames.items():
            tx.append(table, _with_file(frame, file_id) if table in by_file else frame)
        if parsed.cells_table:
            for chunk in parsed.cells:
                tx.append(parsed.cells_table, _with_file(chunk, file_id))
        tx.merge("edx_report_file", entry.frame(), queries.FILE_KEY)
        return dict(tx.written)


def _with_file(frame: pd.DataFrame, file_id: int) -> pd.DataFrame:
    frame.insert(0, "file_id", np.full(len(frame), file_id, dtype="int64"))
    return frame


def _delete_files(db: Database, tx: Tx, table: str, file_ids: list[int]) -> None:
    """Delete the rows of earlier files of this generation, touching the table only when
    there are some (a first load then writes a table this transaction has not touched)."""
    if not file_ids:
        return
    names = {f"f{i}": value for i, value in enumerate(file_ids)}
    where = f"file_id IN ({', '.join(':' + name for name in names)})"
    if db.scalar(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", names) is not None:
        tx.delete_where(table, where, names)


def _report_key(entry: FileRecord) -> dict[str, str]:
    return {"course_id": entry.course_id, "report_type": entry.report_type}
