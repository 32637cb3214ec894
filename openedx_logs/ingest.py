"""Reading new log content: list the sources, consult the ledger, scan pieces in parallel."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from openedx_logs import fetch, ledger
from openedx_logs.fetch import LogFile
from openedx_logs.ledger import Entry, Planned
from openedx_logs.scan import Piece, PieceResult, scan
from settings import OpenEdxLogsSettings
from sources.retry import RetryPolicy

logger = logging.getLogger(__name__)

PARALLEL_MIN_BYTES = 48 * 1024 * 1024  # below this, starting worker processes costs more


@dataclass
class Ingested:
    """What a run read: staged Parquet parts, ledger entries and names to record."""

    parts: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    names: list[tuple[LogFile, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unchanged: int = 0
    empty: int = 0


def list_files(cfg: OpenEdxLogsSettings, retry: RetryPolicy) -> list[LogFile]:
    files = fetch.list_local(cfg.paths) if cfg.paths else []
    if cfg.bucket is not None:
        files += fetch.list_bucket(cfg.bucket, retry)
    return files


def ingest(
    cfg: OpenEdxLogsSettings,
    files: Sequence[LogFile],
    ledger_rows: pd.DataFrame,
    name_rows: pd.DataFrame,
    staging: Path,
    now: datetime,
) -> Ingested:
    """Read whatever the ledger has not seen of `files` into staged parts under `staging`."""
    entries = ledger.entries_from_frame(ledger_rows)
    plan = ledger.plan(
        files, entries, name_rows, lambda log: fetch.read_head(log, cfg.bucket, ledger.HEAD)
    )
    out = Ingested(unchanged=len(plan.unchanged), empty=len(plan.empty))
    results = _scan_all(plan.to_read, cfg, staging)
    changed = [
        p for p, res in zip(plan.to_read, results, strict=True) if any(r.changed for r in res)
    ]
    for planned in changed:  # the bytes before the resume point differ: read it all again
        planned.start, planned.expect_tail = 0, None
    again = dict(zip(map(id, changed), _scan_all(changed, cfg, staging), strict=True))
    for planned, res in zip(plan.to_read, results, strict=True):
        res = again.get(id(planned), res)
        entry = ledger.apply(planned, res)
        out.entries.append(entry)
        if entry.status == "failed":
            out.failed.append(f"{planned.log.name}: {entry.error}")
        else:
            out.parts.extend(part for r in res for part in r.parts)
        out.names += [(log, entry.fingerprint) for log in (planned.log, *planned.copies)]
    return out


def _scan_all(
    planned: Sequence[Planned], cfg: OpenEdxLogsSettings, staging: Path
) -> list[list[PieceResult]]:
    pieces = [
        ledger.pieces(p, i, str(staging), cfg.workers, bucket=cfg.bucket)
        for i, p in enumerate(planned)
    ]
    flat = [piece for file_pieces in pieces for piece in file_pieces]
    todo = sum(p.log.size - p.start for p in planned)
    if cfg.workers > 1 and len(flat) > 1 and todo >= PARALLEL_MIN_BYTES:
        run: Callable[[Sequence[Piece]], list[PieceResult]] = _in_processes(cfg.workers)
    else:  # one process: DuckDB may use every thread for parsing
        flat = [replace(piece, threads=cfg.workers) for piece in flat]
        run = _in_process
    done = iter(run(flat))
    return [[next(done) for _ in file_pieces] for file_pieces in pieces]


def _in_process(pieces: Sequence[Piece]) -> list[PieceResult]:
    return [scan(piece) for piece in pieces]


def _in_processes(workers: int) -> Callable[[Sequence[Piece]], list[PieceResult]]:
    def run(pieces: Sequence[Piece]) -> list[PieceResult]:
        # Largest pieces first, so no worker is left with a big file at the end.
        order = sorted(range(len(pieces)), key=lambda k: -_length(pieces[k]))
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {k: pool.submit(scan, pieces[k]) for k in order}
            return [futures[k].result() for k in range(len(pieces))]

    return run


def _length(piece: Piece) -> int:
    end = piece.log.size if piece.end is None else piece.end
    return end - piece.start
