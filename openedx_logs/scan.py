"""Reading one piece of one log file into staged Parquet parts; runs in worker processes."""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from openedx_logs import fetch, reader
from openedx_logs.fetch import LogFile
from settings import ObjectStoreSettings
from vocab import SourceError

TAIL = 4096  # bytes before the resume offset that must match for a file to continue
BLOCK = 32 * 1024 * 1024  # bytes parsed at a time: bounds a worker's memory
SKIP_BLOCK = 1 << 20


@dataclass(frozen=True)
class Piece:
    """Lines of `log` starting at decompressed offsets [start, end) (end None: to the end)."""

    index: int
    log: LogFile
    staging: str
    start: int = 0
    end: int | None = None
    align: bool = False  # start falls inside a line: begin at the next one
    last: bool = True  # the piece reaches the end of the file
    expect_tail: str | None = None  # sha256 of the TAIL bytes before start, when resuming
    bucket: ObjectStoreSettings | None = None
    threads: int = 1  # DuckDB threads parsing this piece


@dataclass
class PieceResult:
    """What reading a piece found; `changed` means the bytes before start were not as recorded."""

    index: int
    start: int
    parts: list[str] = field(default_factory=list)
    lines: int = 0
    events: int = 0
    mobile_events: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    first_us: int | None = None
    last_us: int | None = None
    consumed_to: int = 0
    held_back: int = 0
    tail: str | None = None
    error: str | None = None
    changed: bool = False
    chunks: int = 0


def tail_hash(data: bytes) -> str:
    return hashlib.sha256(data[-TAIL:]).hexdigest()


def scan(piece: Piece) -> PieceResult:
    """Read the piece; a cut gzip or unreadable object is reported in `error`, never raised."""
    result = PieceResult(piece.index, piece.start, consumed_to=piece.start)
    try:
        with fetch.open_text(piece.log, piece.bucket) as stream:
            before = _position(stream, piece)
            if before is None:
                result.changed = True
                return result
            _read(stream, piece, result, before)
    except (EOFError, OSError, zlib.error, SourceError) as err:
        result.error = f"{type(err).__name__}: {err}"
        for part in result.parts:
            Path(part).unlink(missing_ok=True)
        result.parts = []
    return result


def _position(stream: io.BufferedReader, piece: Piece) -> bytes | None:
    """Move to where the piece begins; returns the bytes just before it, None if they differ
    from what was recorded."""
    start = piece.start
    if stream.seekable() and not piece.log.compressed:  # gzip seeks by decompressing
        begin = max(0, start - TAIL)
        stream.seek(begin)
        before = stream.read(start - begin)
    else:
        before = _skip(stream, start)
    if len(before) < min(start, TAIL):
        return None
    if piece.expect_tail is not None and tail_hash(before) != piece.expect_tail:
        return None
    if piece.align and start > 0 and not before.endswith(b"\n"):
        before += stream.readline()
    return before


def _skip(stream: io.BufferedReader, count: int) -> bytes:
    kept = b""
    while count > 0:
        block = stream.read(min(SKIP_BLOCK, count))
        if not block:
            break
        count -= len(block)
        kept = (kept + block)[-TAIL:]
    return kept


def _read(stream: io.BufferedReader, piece: Piece, result: PieceResult, before: bytes) -> None:
    """Parse the piece a block at a time, each cut after its last newline."""
    position = piece.start + (len(before) - min(piece.start, TAIL) if piece.align else 0)
    streamed, carry, tail = position, b"", before[-TAIL:]
    con = reader.connect(threads=piece.threads)
    while True:
        at_end = piece.end is not None and streamed >= piece.end
        if at_end:  # the line that starts before the end of the range is ours
            block = stream.readline() if carry and not carry.endswith(b"\n") else b""
        else:
            block = stream.read(BLOCK if piece.end is None else min(BLOCK, piece.end - streamed))
        streamed += len(block)
        data = carry + block
        last = at_end or not block
        cut = (
            (len(data) if at_end else _last_line(data, piece, result))
            if last
            else data.rfind(b"\n") + 1
        )
        if cut:
            _parse_chunk(con, data[:cut], piece, result)
            tail = (tail + data[:cut])[-TAIL:]
            position += cut
        carry = data[cut:]
        if last:
            break
    con.close()
    result.consumed_to = position
    if piece.last:
        result.tail = tail_hash(tail)


def _last_line(data: bytes, piece: Piece, result: PieceResult) -> int:
    """How much of the final bytes to read: a cut line of a plain file waits for the rest."""
    if not data or data.endswith(b"\n") or piece.log.compressed or reader.is_complete(data):
        return len(data)
    result.held_back = len(data)
    return 0


def _parse_chunk(
    con: duckdb.DuckDBPyConnection, data: bytes, piece: Piece, result: PieceResult
) -> None:
    name = f"f{piece.index:05d}-{piece.start:014d}-{len(result.parts) + result.chunks:05d}"
    lines = Path(piece.staging) / f"{name}.lines"
    staged = str(Path(piece.staging) / f"{name}.parquet")
    lines.write_bytes(data if data.endswith(b"\n") else data + b"\n")
    try:
        parsed = reader.parse_file(con, str(lines), staged)
    finally:
        lines.unlink()
    result.chunks += 1
    if parsed.events:
        result.parts.append(staged)
    result.lines += parsed.lines
    result.events += parsed.events
    result.mobile_events += parsed.mobile_events
    for reason, count in parsed.skipped.items():
        result.skipped[reason] = result.skipped.get(reason, 0) + count
    for moment in (parsed.first_us, parsed.last_us):
        if moment is not None:
            result.first_us = moment if result.first_us is None else min(result.first_us, moment)
            result.last_us = moment if result.last_us is None else max(result.last_us, moment)
