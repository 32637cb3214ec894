"""S3-compatible object storage through boto3: list keys, stream an object, put an object."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from sources.retry import RetryPolicy
from vocab import (
    DataSourceName,
    FatalSourceError,
    ResourceNotFound,
    RetriableSourceError,
    SourceError,
)

if TYPE_CHECKING:
    from settings import ObjectStoreSettings

logger = logging.getLogger(__name__)

NOT_FOUND = frozenset({"NoSuchBucket", "NoSuchKey", "404", "NotFound"})
RETRIABLE = frozenset(
    {
        "SlowDown",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
        "Throttling",
        "ThrottlingException",
        "RequestTimeTooSkewed",
    }
)


@dataclass(frozen=True)
class ObjectInfo:
    """One listed object."""

    key: str
    size: int
    etag: str
    last_modified: datetime


class _BodyReader(io.RawIOBase):
    """A botocore StreamingBody as a raw binary stream, so io.BufferedReader can wrap it."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


class ObjectStore:
    """One bucket of an S3-compatible service; errors become SourceError of `source`.

    boto3 retries throttling, 5xx and dropped connections itself (its "standard" mode, with
    its own backoff), as many times as the product's retry policy allows.
    """

    def __init__(
        self,
        settings: ObjectStoreSettings,
        source: DataSourceName,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._settings = settings
        self._source = source
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key.value,
            config=Config(
                retries={"max_attempts": (retry or RetryPolicy()).attempts, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            ),
        )

    def list(self, prefix: str | None = None, page_size: int = 1000) -> Iterator[ObjectInfo]:
        """Every object under `prefix` (default: the configured one), in key order.

        ListObjectsV2 answers at most 1,000 keys a page; the paginator follows the
        continuation token.
        """
        prefix = self._settings.prefix if prefix is None else prefix
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self._settings.bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
        )
        with self._errors(f"list s3://{self._settings.bucket}/{prefix}"):
            for page in pages:
                for item in page.get("Contents", ()):
                    yield ObjectInfo(
                        item["Key"],
                        int(item["Size"]),
                        item["ETag"].strip('"'),
                        item["LastModified"],
                    )

    def open(self, key: str, *, buffer_size: int = 1 << 20) -> io.BufferedReader:
        """Stream the object `key` (never held whole in memory); the caller closes it."""
        with self._errors(f"get s3://{self._settings.bucket}/{key}"):
            answer = self._client.get_object(Bucket=self._settings.bucket, Key=key)
        return io.BufferedReader(_BodyReader(answer["Body"]), buffer_size)

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`."""
        with self._errors(f"put s3://{self._settings.bucket}/{key}"):
            self._client.put_object(Bucket=self._settings.bucket, Key=key, Body=data)

    def probe(self) -> str:
        """Reach the bucket (HEAD); returns a one-line description."""
        with self._errors(f"head s3://{self._settings.bucket}"):
            self._client.head_bucket(Bucket=self._settings.bucket)
        return f"bucket {self._settings.bucket} reachable"

    def _errors(self, what: str) -> _ErrorMapper:
        return _ErrorMapper(what, self._source)


class _ErrorMapper:
    """Context manager turning botocore failures into the product's SourceError classes."""

    def __init__(self, what: str, source: DataSourceName) -> None:
        self._what = what
        self._source = source

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, err: BaseException | None, tb: Any) -> None:
        if err is None or isinstance(err, SourceError):
            return
        if isinstance(err, ClientError):
            raise _client_error(self._what, err, self._source) from err
        if isinstance(err, EndpointConnectionError | BotoCoreError):
            raise RetriableSourceError(
                f"{self._what}: {type(err).__name__}: {err}", self._source
            ) from err


def _client_error(what: str, err: ClientError, source: DataSourceName) -> SourceError:
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = f"{what}: {code or 'error'} (HTTP {status}): {error.get('Message', '')}".rstrip()
    if code in NOT_FOUND or status == 404:
        return ResourceNotFound(message, source)
    if code in RETRIABLE or (isinstance(status, int) and status >= 500):
        return RetriableSourceError(message, source)
    return FatalSourceError(message, source)
