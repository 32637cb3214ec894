"""Increments: same events however delivered, reruns, late files, time zones, exclusions."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from oe_helpers import fresh_db, snapshot

from db import Database
from openedx_logs import job
from sandbox.tracking_logs import files
from sandbox.tracking_logs.scenario import STAFF, Scenario


def one_file(small: Scenario) -> bytes:
    whole = b"".join(files.render(small, overlap=0).contents.values())
    return whole[: whole.rindex(b"\n") + 1]


def test_one_file_two_halves_and_a_gzipped_renamed_copy_give_the_same_tables(
    tmp_path: Path, small: Scenario, settings_for: Callable
) -> None:
    whole = one_file(small)
    middle = whole.index(b"\n", len(whole) // 2) + 1
    layouts = {
        "one": {"tracking.log": whole},
        "halves": {"tracking.log-1": whole[:middle], "tracking.log-2": whole[middle:]},
        "gzipped": {"archive/renamed-20240304.gz": gzip.compress(whole)},
    }
    snapshots = []
    for name, content in layouts.items():
        folder = tmp_path / name
        for relative, data in content.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
        db = fresh_db(tmp_path, f"{name}.sqlite")
        job.read_logs(settings_for([str(folder)], STORE_PATH=str(tmp_path / f"store-{name}")), db)
        snapshots.append(snapshot(db))
    assert snapshots[0]["edx_learner_day"]
    assert snapshots[0] == snapshots[1] == snapshots[2]


def test_a_rerun_changes_nothing_and_writes_no_kpi_rows(
    log_dir: Path, sqlite_db: Database, settings_for: Callable
) -> None:
    cfg = settings_for([str(log_dir)])
    job.read_logs(cfg, sqlite_db)
    before = snapshot(sqlite_db)
    sqlite_db.rows_written.clear()
    job.read_logs(cfg, sqlite_db)
    assert snapshot(sqlite_db) == before
    assert not set(sqlite_db.rows_written) & {"edx_learner_day", "edx_time_spent_day"}


def test_a_late_file_lands_on_its_own_days(
    tmp_path: Path, small: Scenario, settings_for: Callable
) -> None:
    rendered = files.render(small)
    folder = tmp_path / "logs"
    paths = rendered.write(folder)
    late = paths[1]
    held = late.read_bytes()
    late.unlink()
    db = fresh_db(tmp_path, "late.sqlite")
    cfg = settings_for([str(folder)])
    job.read_logs(cfg, db)
    partial = snapshot(db)
    late.write_bytes(held)
    job.read_logs(cfg, db)
    reference = fresh_db(tmp_path, "all.sqlite")
    job.read_logs(settings_for([str(folder)], STORE_PATH=str(tmp_path / "store-all")), reference)
    assert snapshot(db) == snapshot(reference)
    assert partial != snapshot(reference)


def test_days_are_counted_in_the_configured_time_zone(
    tmp_path: Path, sqlite_db: Database, settings_for: Callable
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    line = (
        '{"username":"ana","event_type":"problem_check","event_source":"server",'
        '"time":"2024-03-05T02:30:00+00:00","context":{"user_id":7,'
        '"course_id":"course-v1:Uni+C1+2024"},"event":{}}\n'
    )
    (folder / "tracking.log").write_text(line)
    job.read_logs(settings_for([str(folder)], zone="America/Santiago"), sqlite_db)
    santiago = sqlite_db.query_frame("SELECT date FROM edx_learner_day")["date"].astype(str)
    utc_db = fresh_db(tmp_path, "utc.sqlite")
    job.read_logs(settings_for([str(folder)], zone="UTC", STORE_PATH=str(tmp_path / "s2")), utc_db)
    utc = utc_db.query_frame("SELECT date FROM edx_learner_day")["date"].astype(str)
    assert [d[:10] for d in santiago] == ["2024-03-04"]
    assert [d[:10] for d in utc] == ["2024-03-05"]


def test_course_team_and_listed_usernames_are_excluded_only_when_asked(
    log_dir: Path, sqlite_db: Database, tmp_path: Path, settings_for: Callable
) -> None:
    job.read_logs(settings_for([str(log_dir)]), sqlite_db)
    users = set(sqlite_db.query_frame("SELECT username FROM edx_learner_course")["username"])
    assert STAFF not in users and "audit_bot" not in users and users
    kept = fresh_db(tmp_path, "kept.sqlite")
    job.read_logs(
        settings_for(
            [str(log_dir)],
            EXCLUDE_COURSE_TEAM=False,
            EXCLUDE_USERNAMES=[],
            STORE_PATH=str(tmp_path / "s3"),
        ),
        kept,
    )
    everyone = set(kept.query_frame("SELECT username FROM edx_learner_course")["username"])
    assert everyone == users | {STAFF, "audit_bot"}


def test_a_course_filter_keeps_only_those_courses(
    log_dir: Path, sqlite_db: Database, settings_for: Callable
) -> None:
    wanted = "SandboxU/HIST200/2024_Spring"
    job.read_logs(settings_for([str(log_dir)], COURSES=[wanted]), sqlite_db)
    courses = set(sqlite_db.query_frame("SELECT course_id FROM edx_learner_day")["course_id"])
    assert courses == {wanted}
