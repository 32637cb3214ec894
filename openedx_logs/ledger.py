"""The file ledger: files known by their content, so renamed, recompressed or grown files are
read exactly once, and what each read found."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from openedx_logs.fetch import LogFile
from openedx_logs.reader import SKIP_REASONS
from openedx_logs.scan import Piece, PieceResult
from settings import ObjectStoreSettings

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HEAD = 64 * 1024  # decompressed bytes whose hash identifies a file
SPLIT_MIN = 32 * 1024 * 1024  # plain files larger than this are read in byte ranges
COUNT_COLUMNS = (
    "lines_read",
    "events_loaded",
    "mobile_events",
    *(f"{reason}_lines" for reason in SKIP_REASONS),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Entry:
    """One ledger row (one content) as the job updates it."""

    fingerprint: str
    head_bytes: int
    path: str
    size_bytes: int
    modified_at: datetime
    content_bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    held_back_bytes: int = 0
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    status: str = "new"
    error: str | None = None
    tail_sha256: str | None = None


@dataclass
class Planned:
    """A file to read this run: its ledger entry and where reading starts."""

    log: LogFile
    entry: Entry
    start: int
    expect_tail: str | None
    copies: list[LogFile] = field(default_factory=list)


@dataclass
class Plan:
    to_read: list[Planned]
    unchanged: list[LogFile]
    empty: list[LogFile]


def entries_from_frame(frame: pd.DataFrame) -> dict[str, Entry]:
    """Ledger rows as read from edx_log_file."""
    entries = {}
    for row in frame.to_dict("records"):
        counts = {name: int(row[name] or 0) for name in COUNT_COLUMNS}
        entries[row["fingerprint"]] = Entry(
            row["fingerprint"],
            int(row["head_bytes"]),
            row["path"],
            int(row["size_bytes"]),
            row["modified_at"],
            int(row["content_bytes"]),
            counts,
            int(row["held_back_bytes"]),
            _naive(row["first_event_at"]),
            _naive(row["last_event_at"]),
            row["status"],
            row["error"],
            row["tail_sha256"],
        )
    return entries


def _naive(value: object) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def plan(
    files: Sequence[LogFile],
    entries: dict[str, Entry],
    names: pd.DataFrame,
    read_head: Callable[[LogFile], bytes],
) -> Plan:
    """Decide per file: unchanged since last seen, empty, or read from which offset."""
    seen = {row["path"]: row for row in names.to_dict("records")}
    result = Plan([], [], [])
    by_identity: dict[str, Planned] = {}
    for log in files:
        known = seen.get(log.name)
        if known is not None and _same_stat(known, log):
            result.unchanged.append(log)
            continue
        head = read_head(log) if log.size else b""
        if not head:
            result.empty.append(log)
            continue
        planned = _identify(log, head, entries)
        other = by_identity.get(planned.entry.fingerprint)
        if other is None:
            by_identity[planned.entry.fingerprint] = planned
        elif log.size > other.log.size:
            planned.copies = [*other.copies, other.log]
            by_identity[planned.entry.fingerprint] = planned
        else:
            other.copies.append(log)
    result.to_read = list(by_identity.values())
    return result


def _same_stat(known: dict, log: LogFile) -> bool:
    stamp = pd.Timestamp(known["modified_at"]).to_pydatetime()
    current = log.modified_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return int(known["size_bytes"]) == log.size and stamp == current


def _identify(log: LogFile, head: bytes, entries: dict[str, Entry]) -> Planned:
    lengths = sorted(
        {e.head_bytes for e in entries.values() if e.head_bytes <= len(head)}, reverse=True
    )
    for length in lengths:
        entry = entries.get(sha256(head[:length]))
        if entry is not None and entry.head_bytes == length:
            entry = replace(entry, counts=dict(entry.counts))
            _restat(entry, log)
            return Planned(log, entry, entry.content_bytes, entry.tail_sha256)
    entry = Entry(sha256(head), len(head), log.name, log.size, log.modified_at)
    return Planned(log, entry, 0, None)


def _restat(entry: Entry, log: LogFile) -> None:
    entry.path = log.name
    entry.size_bytes = log.size
    entry.modified_at = log.modified_at


def pieces(
    planned: Planned,
    index: int,
    staging: str,
    workers: int,
    bucket: ObjectStoreSettings | None = None,
) -> list[Piece]:
    """Split a plain local file into byte ranges so several processes share it."""
    log, start = planned.log, planned.start
    remaining = log.size - start
    if log.compressed or log.in_bucket or workers < 2 or remaining < 2 * SPLIT_MIN:
        return [Piece(index, log, staging, start, expect_tail=planned.expect_tail, bucket=bucket)]
    count = min(max(2, workers * 2), remaining // SPLIT_MIN)
    bounds = [start + remaining * k // count for k in range(count + 1)]
    return [
        Piece(
            index,
            log,
            staging,
            bounds[k],
            bounds[k + 1] if k + 1 < count else None,
            align=k > 0,
            last=k + 1 == count,
            expect_tail=planned.expect_tail if k == 0 else None,
            bucket=bucket,
        )
        for k in range(count)
    ]


def apply(planned: Planned, results: Sequence[PieceResult]) -> Entry:
    """Fold the results of a file's pieces (in order) into its ledger entry."""
    entry = planned.entry
    failed = [r.error for r in results if r.error]
    if failed:
        entry.status, entry.error = "failed", failed[0][:1000]
        return entry
    if planned.start == 0:
        entry.counts, entry.first_event_at, entry.last_event_at = {}, None, None
    for result in results:
        _add_counts(entry, result)
    final = results[-1]
    entry.content_bytes = final.consumed_to
    entry.held_back_bytes = final.held_back
    entry.tail_sha256 = final.tail
    entry.status, entry.error = "read", None
    return entry


def _add_counts(entry: Entry, result: PieceResult) -> None:
    add = {
        "lines_read": result.lines,
        "events_loaded": result.events,
        "mobile_events": result.mobile_events,
        **{f"{reason}_lines": n for reason, n in result.skipped.items()},
    }
    for name, value in add.items():
        entry.counts[name] = entry.counts.get(name, 0) + value
    for moment in (result.first_us, result.last_us):
        if moment is not None:
            stamp = (EPOCH + timedelta(microseconds=moment)).replace(tzinfo=None)
            entry.first_event_at = min(filter(None, (entry.first_event_at, stamp)))
            entry.last_event_at = max(filter(None, (entry.last_event_at, stamp)))


def ledger_frame(entries: Sequence[Entry], now: datetime) -> pd.DataFrame:
    """Rows for edx_log_file."""
    rows = []
    for e in entries:
        rows.append(
            {
                "fingerprint": e.fingerprint,
                "head_bytes": e.head_bytes,
                "path": e.path[:1000],
                "size_bytes": e.size_bytes,
                "modified_at": e.modified_at,
                "content_bytes": e.content_bytes,
                **{name: e.counts.get(name, 0) for name in COUNT_COLUMNS},
                "held_back_bytes": e.held_back_bytes,
                "first_event_at": e.first_event_at,
                "last_event_at": e.last_event_at,
                "status": e.status,
                "error": e.error,
                "tail_sha256": e.tail_sha256,
                "read_at": now,
            }
        )
    return pd.DataFrame(rows)


def names_frame(pairs: Sequence[tuple[LogFile, str]], now: datetime) -> pd.DataFrame:
    """Rows for edx_log_file_name: each name seen, its stat and the content it holds."""
    return pd.DataFrame(
        [
            {
                "path": log.name[:700],
                "fingerprint": fp,
                "size_bytes": log.size,
                "modified_at": log.modified_at,
                "seen_at": now,
            }
            for log, fp in pairs
        ]
    )
