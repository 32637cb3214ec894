"""Read a downloaded report file into the long-form frames, a bounded chunk of learners at once."""

from __future__ import annotations

import csv
import hashlib
import queue
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from edx_reports import headers, transform
from edx_reports.filenames import GRADE_REPORT, PROBLEM_GRADE_REPORT, PROFILE_REPORT

# Learners per chunk: 2,500 x 200 columns is half a million cells, about 50 MB of frames.
CHUNK_LEARNERS = 2_500
_DUCKDB_MEMORY = "384MB"


@dataclass
class ParsedReport:
    """What one report file becomes: frames per table, the cell frames produced lazily."""

    report: str
    header: list[str]
    rows: int
    frames: dict[str, pd.DataFrame]
    cells_table: str | None = None
    cells: Iterator[pd.DataFrame] = field(default_factory=lambda: iter(()))
    subsections: dict[tuple[str, int], str] = field(default_factory=dict)


def prefetched(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Produce the next chunk in a thread while the caller loads the current one.

    DuckDB and the database driver release the GIL, so unpivoting chunk n+1 overlaps the
    server's LOAD DATA of chunk n. One chunk waits at most; an error is raised to the caller.
    """
    handoff: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(kind: str, item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put((kind, item), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not offer("chunk", chunk):
                    return
            offer("end", None)
        except BaseException as err:  # handed to the consuming thread, which raises it
            offer("error", err)

    worker = threading.Thread(target=produce, name="edx-report-chunks", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(item, BaseException)
                raise item
            assert isinstance(item, pd.DataFrame)
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def parse_report(
    path: Path,
    report: str,
    course_id: str,
    generated_at: datetime,
    known: Mapping[tuple[str, int], str] | None = None,
) -> ParsedReport:
    """Parse one report file; the header is checked before any row is read.

    Raises:
        headers.HeaderError: the header does not follow the report's grammar.
        duckdb.Error: the rows do not parse as CSV with that header.
    """
    header = read_header(path)
    table = _Table(path, len(header))
    if report == GRADE_REPORT:
        return _grade(table, header, course_id, generated_at)
    if report == PROBLEM_GRADE_REPORT:
        return _problem(table, header, course_id, generated_at, known or {})
    if report == PROFILE_REPORT:
        return _profile(table, header, course_id, generated_at)
    raise ValueError(f"unknown report {report!r}")


class _Table:
    """The CSV held in an in-memory DuckDB table of text columns c0..cN, numbered rows."""

    def __init__(self, path: Path, width: int) -> None:
        self.names = [f"c{i}" for i in range(width)]
        self.con = duckdb.connect(config={"memory_limit": _DUCKDB_MEMORY, "threads": 2})
        columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in self.names) + "}"
        self.con.execute(
            "CREATE TABLE r AS SELECT row_number() OVER (ORDER BY TRY_CAST(c0 AS BIGINT)) AS rn, "
            f"* FROM read_csv(?, "
            f"header = true, delim = ',', quote = '\"', escape = '\"', columns = {columns}, "
            f"auto_detect = false, null_padding = false, strict_mode = true)",
            [str(path)],
        )
        self.rows = int(self.con.execute("SELECT count(*) FROM r").fetchone()[0])  # type: ignore[index]

    def frame(
        self, positions: list[int] | None = None, start: int = 0, stop: int | None = None
    ) -> pd.DataFrame:
        names = self.names if positions is None else [self.names[p] for p in positions]
        stop = self.rows if stop is None else stop
        select = ", ".join(names)
        sql = f"SELECT {select} FROM r WHERE rn > ? AND rn <= ? ORDER BY rn"
        frame = self.con.execute(sql, [start, stop]).df()
        frame.columns = range(len(names)) if positions is None else positions
        return frame.astype(object).where(frame.notna(), "")

    def grade_cells(self, spec: headers.GradeHeader) -> Iterator[pd.DataFrame]:
        """Graded cells in long form, unpivoted by DuckDB, in primary-key order."""
        graded = ", ".join(self.names[c.index] for c in spec.columns)
        positions = ", ".join(f"('{self.names[c.index]}', {c.index})" for c in spec.columns)
        sql = (
            "SELECT CAST(v.c0 AS BIGINT) AS user_id, s.column_index, "
            "TRY_CAST(v.val AS DOUBLE) AS grade, "
            "CASE WHEN TRY_CAST(v.val AS DOUBLE) IS NULL THEN lower(v.val) END AS status "
            f"FROM (SELECT rn, c0, {graded} FROM r WHERE rn > ? AND rn <= ?) "
            f"UNPIVOT INCLUDE NULLS (val FOR col IN ({graded})) v "
            f"JOIN (VALUES {positions}) s(col, column_index) ON s.col = v.col "
            "ORDER BY v.rn, s.column_index"
        )
        try:
            for start in range(0, self.rows, CHUNK_LEARNERS):
                frame = self.con.execute(sql, [start, start + CHUNK_LEARNERS]).df()
                frame["column_index"] = frame["column_index"].astype("int16")
                # Few distinct strings, repeated: as a categorical DuckDB writes it fastest.
                frame["status"] = frame["status"].astype("category")
                yield frame
        finally:
            self.con.close()

    def chunks(self, positions: list[int]) -> Iterator[tuple[pd.Series, pd.DataFrame]]:
        try:
            for start in range(0, self.rows, CHUNK_LEARNERS):
                frame = self.frame([0, *positions], start, start + CHUNK_LEARNERS)
                yield frame.iloc[:, 0], frame.iloc[:, 1:]
        finally:
            self.con.close()


def _grade(table: _Table, header: list[str], course_id: str, at: datetime) -> ParsedReport:
    spec = headers.parse_grade_header(header)
    learners = transform.learner_frame(table.frame(spec.learner_positions), spec, course_id, at)
    columns = transform.column_frame(spec.columns, course_id, at, GRADE_REPORT)
    cells = prefetched(table.grade_cells(spec))
    return ParsedReport(
        GRADE_REPORT,
        header,
        table.rows,
        {"edx_report_column": columns, "edx_grade_report_learner": learners},
        "edx_grade_cell",
        cells,
        headers.known_subsections(spec.columns),
    )


def _problem(
    table: _Table,
    header: list[str],
    course_id: str,
    at: datetime,
    known: Mapping[tuple[str, int], str],
) -> ParsedReport:
    spec = headers.parse_problem_header(header, known)
    columns = transform.column_frame(spec, course_id, at, PROBLEM_GRADE_REPORT)
    positions = [c.index for c in spec]
    cells = prefetched(
        transform.problem_cells(ids, values, spec) for ids, values in table.chunks(positions)
    )
    frames = {"edx_report_column": columns}
    return ParsedReport(
        PROBLEM_GRADE_REPORT, header, table.rows, frames, "edx_problem_cell", cells
    )


def _profile(table: _Table, header: list[str], course_id: str, at: datetime) -> ParsedReport:
    _, extra = headers.split_profile_header(header)
    raw = table.frame()
    table.con.close()
    raw.columns = header
    frame = transform.profile_frame(raw, extra, course_id, at)
    return ParsedReport(PROFILE_REPORT, header, table.rows, {"edx_profile_row": frame})
