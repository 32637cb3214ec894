"""Collect mode: an existing report store (directory or bucket) filed and parsed, once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from db import Database
from edx_reports import job
from redaction import Secret
from sandbox.lms import reports
from sandbox.lms.courses import default_courses
from settings import ObjectStoreSettings
from settings import ReportStoreSettings as StoreSettings
from tests.edx_reports.conftest import CCX, DEMO, S3_KEY_ID, S3_SECRET, STATS
from vocab import FatalSourceError

COURSES = {course.course_id: course for course in default_courses()}
STAMP = "2026-11-21-0300"


def _report_files(course_id: str) -> dict[str, bytes]:
    course = COURSES[course_id]
    prefix = reports.filename_prefix(course_id)
    return {
        f"{prefix}_{name}_{STAMP}.csv": content
        for name, content in (reports.render(course, task) for task in reports.REPORTS)
    }


def _hashed(course_id: str) -> str:
    return hashlib.sha1(course_id.encode()).hexdigest()


def test_collect_from_a_directory_files_and_parses_once(
    database: Database, make_settings: Callable, tmp_path: Path
) -> None:
    store = tmp_path / "lms-store"
    for course_id in (STATS, DEMO):
        folder = store / "periodic-" / _hashed(course_id)
        folder.mkdir(parents=True)
        for name, content in _report_files(course_id).items():
            (folder / name).write_bytes(content)
        (folder / "unrelated.txt").write_text("not a report")
    settings = make_settings(
        mode="collect",
        collect_from=StoreSettings(local_dir=store, prefix="periodic-/"),
        destination=StoreSettings(local_dir=tmp_path / "filed", prefix="all/"),
        layout="flat",
    )
    job.run(settings, database)
    parsed = database.scalar("SELECT COUNT(*) FROM edx_report_file WHERE status = 'parsed'")
    assert parsed == 6
    assert database.scalar(
        "SELECT COUNT(*) FROM edx_profile_row WHERE course_id = :c", {"c": DEMO}
    ) == sum(x.active for x in COURSES[DEMO].learners)
    assert len(list((tmp_path / "filed" / "all").glob("*.csv"))) == 6  # flat: one folder
    written = dict(database.rows_written)
    job.run(settings, database)
    assert database.rows_written == written  # nothing new: nothing read, nothing written


def test_a_report_that_does_not_parse_is_recorded_and_fails_the_job(
    sqlite_engine, make_settings: Callable, tmp_path: Path
) -> None:
    database = Database(sqlite_engine)
    folder = tmp_path / "store" / _hashed(CCX)
    folder.mkdir(parents=True)
    name = f"{reports.filename_prefix(CCX)}_grade_report_{STAMP}.csv"
    (folder / name).write_text("Student ID,Email,Oops\r\n1,a@b,c\r\n")
    settings = make_settings(
        mode="collect", course_ids=(CCX,), collect_from=StoreSettings(local_dir=tmp_path / "store")
    )
    with pytest.raises(FatalSourceError, match="1 course report") as raised:
        job.run(settings, database)
    assert "HeaderError" in str(raised.value)
    row = database.query_frame("SELECT status, sha256, stored_at FROM edx_report_file")
    assert row["status"].tolist() == ["failed"]
    assert Path(row["stored_at"][0]).exists()  # filed all the same, for a human to look at


def test_collect_from_a_bucket_into_a_bucket(
    database: Database, make_settings: Callable, s3_server: str, s3_bucket: str
) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
    )
    for name, content in _report_files(STATS).items():
        client.put_object(Bucket=s3_bucket, Key=f"grades/{_hashed(STATS)}/{name}", Body=content)
    bucket = ObjectStoreSettings(s3_bucket, S3_KEY_ID, Secret(S3_SECRET), endpoint_url=s3_server)
    settings = make_settings(
        mode="collect",
        course_ids=(STATS,),
        layout="by_date",
        collect_from=StoreSettings(prefix="grades/", bucket=bucket),
        destination=StoreSettings(prefix="filed/", bucket=bucket),
    )
    job.run(settings, database)
    assert database.scalar("SELECT COUNT(*) FROM edx_report_file WHERE status = 'parsed'") == 3
    keys = [
        o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket, Prefix="filed/")["Contents"]
    ]
    assert sorted(k.rsplit("/", 1)[0] for k in keys) == ["filed/2026/11/21"] * 3


def test_both_modes_trigger_then_collect_what_else_the_store_holds(
    sqlite_engine, start_lms: Callable, make_settings: Callable, lms_store: Path
) -> None:
    database = Database(sqlite_engine)
    older = lms_store / _hashed(DEMO)
    older.mkdir(parents=True)
    for name, content in _report_files(DEMO).items():
        if "_grade_report_" in name and "problem" not in name:
            # Made from the dashboard days ago, when one learner fewer was enrolled.
            (older / name).write_bytes(content[: content.rstrip().rfind(b"\r\n") + 2])
    lms = start_lms(polls_to_finish=1)
    settings = make_settings(
        lms.url,
        mode="both",
        course_ids=(DEMO,),
        reports=("grade_report",),
        collect_from=StoreSettings(local_dir=lms_store),
    )
    job.run(settings, database)
    assert lms.state.triggers == [(DEMO, "grade_course")]
    names = database.query_frame("SELECT file_name, status FROM edx_report_file ORDER BY 1")
    assert names["status"].tolist() == ["parsed", "parsed"]
    assert f"_grade_report_{STAMP}.csv" in names["file_name"][0]
