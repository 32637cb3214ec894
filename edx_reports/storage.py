"""Report stores: a local directory or an S3-compatible bucket (boto3), behind one interface."""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from edx_reports.config import StoreSettings
from vocab import DataSourceName, FatalSourceError


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
    """Objects in a bucket, through boto3 (any S3-compatible endpoint)."""

    def __init__(self, settings: StoreSettings) -> None:
        import boto3  # imported only by runs that use a bucket

        secret = settings.secret_access_key.value if settings.secret_access_key else None
        self.bucket = str(settings.bucket)
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region or "us-east-1",
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=secret,
        )

    def put(self, key: str, source: Path) -> str:
        self._guard(lambda: self.client.upload_file(str(source), self.bucket, key), key)
        return f"s3://{self.bucket}/{key}"

    def files(self, folder: str) -> Iterator[StoredFile]:
        prefix = folder.rstrip("/") + "/"
        pages = self._guard(
            lambda: list(
                self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=prefix, Delimiter="/"
                )
            ),
            prefix,
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield StoredFile(item["Key"], int(item["Size"]))

    def fetch(self, key: str, target: Path) -> None:
        self._guard(lambda: self.client.download_file(self.bucket, key, str(target)), key)

    def _guard(self, call: Any, key: str) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except (BotoCoreError, ClientError) as err:
            raise FatalSourceError(
                f"s3://{self.bucket}/{key}: {type(err).__name__}: {err}",
                DataSourceName.OPENEDX_LMS_REPORTS,
            ) from err


def open_store(settings: StoreSettings) -> Store:
    if settings.bucket:
        return S3Store(settings)
    assert settings.local_dir is not None
    return LocalStore(settings.local_dir)
