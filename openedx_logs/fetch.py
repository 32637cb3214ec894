"""Finding and opening tracking-log files: local directories and globs, or an S3 bucket."""

from __future__ import annotations

import glob
import io
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from isal import igzip

from settings import ObjectStoreSettings
from sources.objectstore import ObjectStore
from sources.retry import RetryPolicy
from vocab import DataSourceName, ResourceNotFound

SOURCE = DataSourceName.OPENEDX_TRACKING_LOGS
BUFFER = 1 << 20
HEAD_BLOCK = 4096
# Names that are never tracking logs, whatever folder they sit in.
IGNORED_SUFFIXES = (".tmp", ".part", ".swp", ".lock")


@dataclass(frozen=True)
class LogFile:
    """One source file: a local path or a bucket key."""

    location: str
    size: int
    modified_at: datetime
    in_bucket: bool = False

    @property
    def compressed(self) -> bool:
        return self.location.endswith(".gz")

    @property
    def name(self) -> str:
        return ("s3:" if self.in_bucket else "") + self.location


def list_local(patterns: tuple[str, ...]) -> list[LogFile]:
    """Files under each directory (recursively) or matching each glob, without repeats."""
    found: dict[str, LogFile] = {}
    for pattern in patterns:
        paths = _expand(pattern)
        for path in paths:
            if path.is_file() and not path.name.endswith(IGNORED_SUFFIXES):
                stat = path.stat()
                found[str(path)] = LogFile(
                    str(path), stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)
                )
    return [found[key] for key in sorted(found)]


def _expand(pattern: str) -> list[Path]:
    root = Path(pattern)
    if root.is_dir():
        return sorted(p for p in root.rglob("*") if not p.name.startswith("."))
    paths = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
    if not paths and not glob.has_magic(pattern):
        raise ResourceNotFound(f"tracking-log path {pattern} does not exist", SOURCE)
    return paths


def list_bucket(settings: ObjectStoreSettings, retry: RetryPolicy) -> list[LogFile]:
    """Objects under the configured prefix, skipping folder markers."""
    store = ObjectStore(settings, SOURCE, retry=retry)
    return [
        LogFile(item.key, item.size, item.last_modified, in_bucket=True)
        for item in store.list()
        if not item.key.endswith("/") and not item.key.endswith(IGNORED_SUFFIXES)
    ]


def open_raw(log: LogFile, bucket: ObjectStoreSettings | None) -> io.BufferedReader:
    """The file's bytes as stored (compressed or not)."""
    if log.in_bucket:
        if bucket is None:
            raise ValueError(f"{log.name}: a bucket file needs the bucket settings")
        return ObjectStore(bucket, SOURCE).open(log.location, buffer_size=BUFFER)
    return io.BufferedReader(io.FileIO(log.location, "r"), BUFFER)


class _Decompressed(io.BufferedReader):
    """Buffered gzip content that closes the compressed stream under it too."""

    def __init__(self, raw: io.BufferedReader) -> None:
        super().__init__(igzip.IGzipFile(fileobj=raw, mode="rb"), BUFFER)  # type: ignore[arg-type]
        self._compressed = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._compressed.close()


def open_text(log: LogFile, bucket: ObjectStoreSettings | None) -> io.BufferedReader:
    """The file's decompressed content as a buffered binary stream."""
    raw = open_raw(log, bucket)
    return _Decompressed(raw) if log.compressed else raw


def read_head(log: LogFile, bucket: ObjectStoreSettings | None, size: int) -> bytes:
    """The first `size` bytes of decompressed content (fewer for a shorter or damaged file:
    reading the whole file later reports the damage)."""
    head = b""
    with open_text(log, bucket) as stream:
        try:
            while len(head) < size:
                block = stream.read1(min(HEAD_BLOCK, size - len(head)))
                if not block:
                    break
                head += block
        except (EOFError, OSError, zlib.error):
            pass
    return head
