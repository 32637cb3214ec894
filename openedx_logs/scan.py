"""Reading one piece of one log file into staged Parquet parts; runs in worker processes."""

from __future__ import annotations

import hashlib
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow.parquet as pq

from openedx_logs import fetch
from openedx_logs.fetch import LogFile
from openedx_logs.reader import LineParser, to_table
from sources.objectstore import ObjectStoreSettings
from vocab import SourceError

TAIL = 4096  # bytes before the resume offset that must match for a file to continue
CHUNK_EVENTS = 200_000  # events per staged part: bounds a worker's memory
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


def _position(stream: BinaryIO, piece: Piece) -> bytes | None:
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


def _skip(stream: BinaryIO, count: int) -> bytes:
    kept = b""
    while count > 0:
        block = stream.read(min(SKIP_BLOCK, count))
        if not block:
            break
        count -= len(block)
        kept = (kept + block)[-TAIL:]
    return kept


def _read(stream: BinaryIO, piece: Piece, result: PieceResult, before: bytes) -> None:
    parser = LineParser()
    position = piece.start + (len(before) - min(piece.start, TAIL) if piece.align else 0)
    recent: deque[bytes] = deque([before], maxlen=TAIL)
    end = piece.end
    for raw in stream:
        if end is not None and position >= end:
            break
        if parser.parse(raw):
            position += len(raw)
        elif raw.endswith(b"\n") or piece.log.compressed:
            parser.unparsable(raw)
            position += len(raw)
        else:
            result.held_back = len(raw)  # a line still being written: read it next time
            break
        recent.append(raw)
        if len(parser.columns["ts"]) >= CHUNK_EVENTS:
            _flush(parser, piece, result)
    _flush(parser, piece, result)
    result.consumed_to = position
    if piece.last:
        result.tail = tail_hash(b"".join(recent))
    _count(parser, result)


def _flush(parser: LineParser, piece: Piece, result: PieceResult) -> None:
    columns = parser.take()
    if not columns["ts"]:
        return
    name = f"f{piece.index:05d}-{piece.start:014d}-{len(result.parts):05d}.parquet"
    path = str(Path(piece.staging) / name)
    pq.write_table(to_table(columns), path, compression="snappy")
    result.parts.append(path)


def _count(parser: LineParser, result: PieceResult) -> None:
    result.lines = parser.lines
    result.events = parser.events
    result.mobile_events = parser.mobile_events
    result.skipped = dict(parser.skipped)
    result.first_us = parser.first_us
    result.last_us = parser.last_us
