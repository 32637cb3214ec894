"""Report stores: a local directory or an S3-compatible bucket (boto3), behind one interface."""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from settings import ObjectStoreSettings, ReportStoreSettings
from sources.retry import RetryPolicy
from vocab import DataSourceName


@dataclass(frozen=True)
class StoredFile:
    key: str  # below the store root, "/"-separated
    size: int


class Store(Protocol):
    def put(self, key: str, source: Path) -> str: ...
    def files(self, folder: str) -> Iterator[StoredFile]: ...
    def fetch(self, key: str, target: Path) -> None: ...


class LocalStore:
    """Files under a directory; a file appears whole or not at all (rename into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, source: Path) -> str:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(handle)
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
        return str(target)

    def files(self, folder: str) -> Iterator[StoredFile]:
        directory = self.root / folder
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.is_file() and not path.name.startswith(".incoming-"):
                    yield StoredFile(posixpath.join(folder, path.name), path.stat().st_size)

    def fetch(self, key: str, target: Path) -> None:
        shutil.copyfile(self.root / key, target)


class S3Store:
    """Objects in an S3-compatible bucket, through sources.objectstore (boto3)."""

    def __init__(self, bucket: ObjectStoreSettings, retry: RetryPolicy | None = None) -> None:
        from sources.objectstore import ObjectStore

        self.bucket = bucket.bucket
        self.store = ObjectStore(bucket, DataSourceName.OPENEDX_LMS_REPORTS, retry=retry)

    def put(self, key: str, source: Path) -> str:
        # One PUT of the whole file: reports are tens of MiB, well under S3's 5 GiB limit.
        self.store.put(key, source.read_bytes())
        return f"s3://{self.bucket}/{key}"

    def files(self, folder: str) -> Iterator[StoredFile]:
        prefix = folder.rstrip("/") + "/"
        for item in self.store.list(prefix):
            if "/" not in item.key[len(prefix) :]:
                yield StoredFile(item.key, item.size)

    def fetch(self, key: str, target: Path) -> None:
        with self.store.open(key) as stream, target.open("wb") as handle:
            shutil.copyfileobj(stream, handle, 1 << 20)


def open_store(settings: ReportStoreSettings, retry: RetryPolicy | None = None) -> Store:
    """The store a ReportStoreSettings names (its prefix is applied by the caller)."""
    if settings.bucket is not None:
        return S3Store(settings.bucket, retry)
    assert settings.local_dir is not None
    return LocalStore(settings.local_dir)
