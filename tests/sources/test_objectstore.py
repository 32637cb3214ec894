"""The S3-compatible object-store client against moto's S3 server on loopback."""

from __future__ import annotations

import pytest
from s3_fixtures import S3_KEY_ID, S3_SECRET, s3_bucket, s3_server  # noqa: F401

from redaction import Secret
from settings import ObjectStoreSettings
from sources.objectstore import ObjectStore
from sources.retry import RetryPolicy
from vocab import DataSourceName, ResourceNotFound, RetriableSourceError

SOURCE = DataSourceName.OPENEDX_TRACKING_LOGS


def store(endpoint: str, bucket: str, prefix: str = "", attempts: int = 2) -> ObjectStore:
    settings = ObjectStoreSettings(
        bucket, S3_KEY_ID, Secret(S3_SECRET), prefix=prefix, endpoint_url=endpoint
    )
    return ObjectStore(settings, SOURCE, retry=RetryPolicy.from_attempts(attempts))


def test_put_list_and_stream(s3_server: str, s3_bucket: str) -> None:  # noqa: F811
    client = store(s3_server, s3_bucket, prefix="logrotate/")
    for n in range(5):
        client.put(f"logrotate/lms-{n}/tracking.log-2024030{n}.gz", b"x" * (n + 1))
    client.put("elsewhere/tracking.log", b"not listed")
    listed = list(client.list(page_size=2))  # three pages
    assert [o.key for o in listed] == [
        f"logrotate/lms-{n}/tracking.log-2024030{n}.gz" for n in range(5)
    ]
    assert [o.size for o in listed] == [1, 2, 3, 4, 5]
    assert all(o.etag and o.last_modified.tzinfo for o in listed)
    big = b"".join(b"line %d\n" % n for n in range(200_000))
    client.put("logrotate/big.log", big)
    with client.open("logrotate/big.log", buffer_size=64 * 1024) as stream:
        assert stream.readline() == b"line 0\n"
        assert sum(1 for _ in stream) == 199_999


def test_missing_bucket_and_key_are_not_found(s3_server: str, s3_bucket: str) -> None:  # noqa: F811
    with pytest.raises(ResourceNotFound, match="NoSuchBucket"):
        list(store(s3_server, "no-such-bucket-here").list())
    with pytest.raises(ResourceNotFound, match="NoSuchKey"):
        store(s3_server, s3_bucket).open("missing.log")


def test_an_unreachable_endpoint_is_retriable_and_never_shows_the_secret() -> None:
    client = store("http://127.0.0.1:9", "logs", attempts=1)
    with pytest.raises(RetriableSourceError) as caught:
        list(client.list())
    assert S3_SECRET not in str(caught.value)
    assert caught.value.source == SOURCE
