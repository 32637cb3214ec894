"""The runner: exit codes, run records, failure isolation, job selection, --check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import hjson
import pandas as pd
import pytest
import sqlalchemy as sa

import run_jobs
from vocab import DataSourceName, DataSourceStatus, JobName


def write_config(tmp_path: Path, url: str, jobs: list[str], **extra: object) -> Path:
    cfg = {
        "JOB_NAMES": jobs,
        "INVENTORY_DB": {"url": url},
        "DB_WAIT_SECONDS": 1,
        "TERMINATION_LOG_PATH": str(tmp_path / "summary.json"),
        "CANVAS": {"CANVAS_ACCOUNT_ID": 1, "CANVAS_TERM_IDS": [1],
                   "CANVAS_URL": "http://127.0.0.1:9", "CANVAS_TOKEN": "runner-token-123"},
        "ZOOM": {"ACCOUNT_ID": "a", "CLIENT_ID": "c", "CLIENT_SECRET": "zoom-secret-123",
                 "FIRST_DAY": "2026-01-01", "BASE_URL": "http://127.0.0.1:9"},
        **extra,
    }
    path = tmp_path / "env.hjson"
    path.write_text(hjson.dumpsJSON(cfg), encoding="utf-8")
    return path


@pytest.fixture
def fake_jobs(monkeypatch):
    """Replace job entry points with stand-ins, keeping the runner and database real."""
    behaviours: dict[JobName, object] = {}

    def load(self):
        return behaviours[self]

    monkeypatch.setattr(JobName, "load", load)
    return behaviours


def succeed(settings, db):
    frame = pd.DataFrame({"canvas_id": [1, 2], "name": ["Fall", "Winter 🎓"],
                          "sis_id": [None, "2"], "start_at": [None, None],
                          "end_at": [None, None]})
    db.replace({"term": frame})
    return [DataSourceStatus(DataSourceName.ZOOM_API, datetime(2026, 11, 20, tzinfo=UTC))]


def explode(settings, db):
    raise RuntimeError("the source went away (token runner-token-123)")


def job_rows(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM job_run ORDER BY id")).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


def test_failed_job_is_recorded_and_next_job_runs(tmp_path, any_db_url, fake_jobs, capsys):
    fake_jobs[JobName.CANVAS_LTI] = explode
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    config = write_config(tmp_path, any_db_url, ["CANVAS_LTI", "ONLINE_MEETINGS"])

    assert run_jobs.main(["--config", str(config)]) == 1

    failed, ok = job_rows(any_db_url)
    assert (failed["job_name"], failed["status"]) == ("CANVAS_LTI", "failed")
    assert "the source went away" in failed["error"]
    assert "runner-token-123" not in failed["error"]
    assert failed["finished_at"] is not None
    assert (ok["job_name"], ok["status"], ok["rows_written"]) == ("ONLINE_MEETINGS", "succeeded", 2)
    assert ok["id"] > failed["id"]
    engine = sa.create_engine(any_db_url)
    with engine.connect() as conn:
        statuses = conn.execute(sa.text(
            "SELECT data_source_name, data_updated_at, job_run_id FROM data_source_status"
        )).all()
    engine.dispose()
    assert [(s[0], s[2]) for s in statuses] == [("ZOOM_API", ok["id"])]
    assert pd.Timestamp(str(statuses[0][1])) == pd.Timestamp("2026-11-20 00:00:00")
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1].startswith("course-inventory: exit 1:")
    assert "1 failed (CANVAS_LTI)" in out.out
    assert "runner-token-123" not in out.out + out.err
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert [j["status"] for j in summary["jobs"]] == ["failed", "succeeded"]


def test_jobs_option_selects_a_subset(tmp_path, sqlite_url, fake_jobs):
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    fake_jobs[JobName.CANVAS_LTI] = explode
    config = write_config(tmp_path, sqlite_url, ["CANVAS_LTI", "ONLINE_MEETINGS"])
    assert run_jobs.main(["--config", str(config), "--jobs", "online_meetings"]) == 0
    assert [r["job_name"] for r in job_rows(sqlite_url)] == ["ONLINE_MEETINGS"]


def test_unknown_job_is_a_config_error(tmp_path, sqlite_url, capsys):
    config = write_config(tmp_path, sqlite_url, [])
    assert run_jobs.main(["--config", str(config), "--jobs", "COURSE_INVENTORY,NOPE"]) == 2
    err = capsys.readouterr().err
    assert "JOB_NAMES[1]: 'NOPE' is not one of" in err


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert run_jobs.main(["--config", str(tmp_path / "absent.hjson")]) == 2
    assert "cannot read config file" in capsys.readouterr().err


def test_check_writes_nothing(tmp_path, fake_jobs):
    db_file = tmp_path / "check.sqlite"
    url = f"sqlite:///{db_file}"
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    config = write_config(tmp_path, url, ["ONLINE_MEETINGS"])
    run_jobs.main(["--config", str(config), "--check"])
    engine = sa.create_engine(url)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_unreachable_database_exits_3(tmp_path, capsys):
    url = "mysql+pymysql://root:db-pass-999@127.0.0.1:9/none"
    config = write_config(tmp_path, url, ["ONLINE_MEETINGS"])
    assert run_jobs.main(["--config", str(config)]) == 3
    out = capsys.readouterr()
    assert "127.0.0.1" in out.err and "db-pass-999" not in out.out + out.err


def test_list_jobs(capsys):
    assert run_jobs.main(["--list-jobs"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == [job.name for job in JobName]
