"""The bucket source: rotated logs under a prefix of an S3-compatible server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from oe_helpers import COLUMNS, expected_rows, snapshot, table_rows
from s3_fixtures import S3_KEY_ID, S3_SECRET

from db import Database
from openedx_logs import job
from redaction import Secret
from sandbox.tracking_logs import expected, files
from sandbox.tracking_logs.scenario import Scenario
from settings import ObjectStoreSettings
from sources.objectstore import ObjectStore
from vocab import DataSourceName


def test_logs_in_a_bucket_give_the_ground_truth(
    s3_server: str,
    s3_bucket: str,
    tmp_path: Path,
    sqlite_db: Database,
    santiago: Scenario,
    settings_for: Callable,
) -> None:
    local = files.render(santiago).write(tmp_path / "render")
    bucket = ObjectStore(
        ObjectStoreSettings(s3_bucket, S3_KEY_ID, Secret(S3_SECRET), endpoint_url=s3_server),
        DataSourceName.OPENEDX_TRACKING_LOGS,
    )
    for path in local:
        bucket.put(f"logrotate/lms-1/{path.name}", path.read_bytes())
    bucket.put("other/tracking.log", b"not under the prefix\n")
    section = {
        "ENDPOINT_URL": s3_server,
        "BUCKET": s3_bucket,
        "PREFIX": "logrotate/",
        "ACCESS_KEY_ID": S3_KEY_ID,
        "SECRET_ACCESS_KEY": S3_SECRET,
    }
    cfg = settings_for([], BUCKET=section)
    job.read_logs(cfg, sqlite_db)
    truth = expected.tables(santiago)
    for table, columns in COLUMNS.items():
        assert table_rows(sqlite_db, table, columns) == expected_rows(truth[table], columns)
    paths = set(sqlite_db.query_frame("SELECT path FROM edx_log_file")["path"])
    assert paths == {f"s3:logrotate/lms-1/{p.name}" for p in local}
    before = snapshot(sqlite_db)
    job.read_logs(cfg, sqlite_db)
    assert snapshot(sqlite_db) == before
    assert job.describe_sources(cfg).startswith("4 tracking-log file(s)")
