"""The runner: exit codes, run records, failure isolation, job selection, --check."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import hjson
import pandas as pd
import pytest
import sqlalchemy as sa

import run_jobs
from settings import DbSettings
from vocab import DataSourceName, DataSourceStatus, JobName


def write_config(tmp_path: Path, url: str, jobs: list[str], **extra: object) -> Path:
    cfg = {
        "JOB_NAMES": jobs,
        "INVENTORY_DB": {"url": url},
        "DB_WAIT_SECONDS": 1,
        "TERMINATION_LOG_PATH": str(tmp_path / "summary.json"),
        "CANVAS": {
            "CANVAS_ACCOUNT_ID": 1,
            "CANVAS_TERM_IDS": [1],
            "CANVAS_URL": "http://127.0.0.1:9",
            "CANVAS_TOKEN": "runner-token-123",
        },
        "ZOOM": {
            "ACCOUNT_ID": "a",
            "CLIENT_ID": "c",
            "CLIENT_SECRET": "zoom-secret-123",
            "FIRST_DAY": "2026-01-01",
            "BASE_URL": "http://127.0.0.1:9",
            "TOKEN_URL": "http://127.0.0.1:9/oauth/token",
        },
        "MAX_REQ_ATTEMPTS": 1,
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
    frame = pd.DataFrame(
        {
            "canvas_id": [1, 2],
            "name": ["Fall", "Winter 🎓"],
            "sis_id": [None, "2"],
            "start_at": [None, None],
            "end_at": [None, None],
        }
    )
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
    assert (ok["job_name"], ok["status"]) == ("ONLINE_MEETINGS", "succeeded")
    assert ok["rows_written"] == 2
    assert ok["id"] > failed["id"]
    engine = sa.create_engine(any_db_url)
    with engine.connect() as conn:
        statuses = conn.execute(
            sa.text("SELECT data_source_name, data_updated_at, job_run_id FROM data_source_status")
        ).all()
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


def test_check_reports_an_unreachable_source_and_writes_nothing(tmp_path, capsys):
    db_file = tmp_path / "check.sqlite"
    config = write_config(tmp_path, f"sqlite:///{db_file}", ["ONLINE_MEETINGS"])
    assert run_jobs.main(["--config", str(config), "--check"]) == 1
    assert "check ONLINE_MEETINGS: ZOOM_API" in capsys.readouterr().err
    assert not db_file.exists()


def test_interrupted_job_is_recorded_failed(tmp_path, sqlite_url, fake_jobs, capsys):
    def stop(settings, db):
        raise KeyboardInterrupt("stopped by signal 15")

    fake_jobs[JobName.CANVAS_LTI] = stop
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    config = write_config(tmp_path, sqlite_url, ["CANVAS_LTI", "ONLINE_MEETINGS"])
    assert run_jobs.main(["--config", str(config)]) == 1
    rows = job_rows(sqlite_url)
    assert [(r["job_name"], r["status"]) for r in rows] == [("CANVAS_LTI", "failed")]
    assert "stopped by signal 15" in rows[0]["error"]
    closing = capsys.readouterr().out.splitlines()[-1]
    assert "interrupted; 1 job(s), 0 succeeded, 1 failed (CANVAS_LTI)" in closing
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert [(j["job"], j["status"]) for j in summary["jobs"]] == [("CANVAS_LTI", "failed")]
    assert "stopped by signal 15" in summary["jobs"][0]["error"]


def test_rows_left_running_by_a_dead_run_are_closed(tmp_path, sqlite_url, fake_jobs):
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    config = write_config(tmp_path, sqlite_url, ["ONLINE_MEETINGS"])
    assert run_jobs.main(["--config", str(config)]) == 0
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO job_run (job_name, started_at, status) "
                "VALUES ('MIVIDEO', '2026-11-20 01:00:00', 'running')"
            )
        )
    engine.dispose()
    assert run_jobs.main(["--config", str(config)]) == 0
    dead = [r for r in job_rows(sqlite_url) if r["job_name"] == "MIVIDEO"]
    assert dead[0]["status"] == "failed" and dead[0]["error"].startswith("abandoned")


def test_config_error_leaves_a_termination_summary(tmp_path, sqlite_url, monkeypatch):
    import runner.summary

    termination_log = tmp_path / "termination-log"
    termination_log.touch()  # Kubernetes creates the file; the runner only writes it
    monkeypatch.setattr(runner.summary, "DEFAULT_TERMINATION_LOG", termination_log)
    config = write_config(tmp_path, sqlite_url, ["NOPE"])
    assert run_jobs.main(["--config", str(config)]) == 2
    summary = json.loads(termination_log.read_text())
    assert summary["status"] == "config_invalid"
    assert "JOB_NAMES[0]: 'NOPE' is not one of" in summary["error"]


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
    assert "writes zoom_meeting (merge on uuid), etl_cursor (merge on name)" in lines[2]
    assert "term (replace), account (replace)" in lines[0]


def test_bad_config_exits_2_listing_every_problem(tmp_path, sqlite_url, capsys):
    config = write_config(
        tmp_path, sqlite_url, ["ONLINE_MEETINGS"], MAX_REQ_ATTEMPTS="3", NUM_ASYNC_WORKRS=4
    )
    assert run_jobs.main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "MAX_REQ_ATTEMPTS: '3' is not of type 'integer'" in err
    assert "'NUM_ASYNC_WORKRS' was unexpected" in err


def test_sandbox_run_end_to_end_keeps_secrets_out_of_logs(tmp_path, monkeypatch, capsys):
    import sandbox

    url = f"sqlite:///{tmp_path / 'sandbox.sqlite'}"
    monkeypatch.setenv("INVENTORY_DB", json.dumps({"url": url}))
    monkeypatch.setenv("TERMINATION_LOG_PATH", str(tmp_path / "summary.json"))
    monkeypatch.setenv("SANDBOX_PG_URL", "postgresql+psycopg2://nobody@127.0.0.1:9/none")

    assert run_jobs.main(["--sandbox", "tiny", "-v"]) == 0

    rows = job_rows(url)
    assert [(r["job_name"], r["status"]) for r in rows] == [
        (job.name, "succeeded") for job in JobName
    ]
    assert all(r["rows_written"] > 0 for r in rows)
    out = capsys.readouterr()
    logged = out.out + out.err
    assert "GET " in logged  # DEBUG request lines were written, and masked
    secrets = (sandbox.CANVAS_TOKEN, sandbox.KALTURA_SECRET, "sandbox-client-secret")
    for secret in (*secrets, sandbox.MATOMO_TOKEN):
        assert secret not in logged
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "succeeded" and len(summary["jobs"]) == len(JobName)
    for job in summary["jobs"]:  # every table a job wrote is one its spec declares
        declared = {table.name for table in JobName[job["job"]].tables}
        assert job["rows"] and set(job["rows"]) <= declared, job


def test_check_reaches_every_source_and_writes_nothing(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'check.sqlite'}"
    monkeypatch.setenv("INVENTORY_DB", json.dumps({"url": url}))
    monkeypatch.setenv("SANDBOX_PG_URL", "postgresql+psycopg2://nobody@127.0.0.1:9/none")

    assert run_jobs.main(["--sandbox", "tiny", "--check"]) == 0
    err = capsys.readouterr().err
    assert all(f"check {job.name}: ok" in err for job in JobName)
    assert "no source check defined" not in err

    monkeypatch.setenv("CANVAS__CANVAS_TOKEN", "not-the-canvas-token")
    assert (
        run_jobs.main(["--sandbox", "tiny", "--check", "--jobs", "COURSE_INVENTORY,CANVAS_LTI"])
        == 1
    )
    err = capsys.readouterr().err
    assert "check COURSE_INVENTORY: CANVAS_API" in err and "check CANVAS_LTI: CANVAS_API" in err
    assert "not-the-canvas-token" not in err

    monkeypatch.setenv("ZOOM__CLIENT_SECRET", "not-the-zoom-secret")
    assert run_jobs.main(["--sandbox", "tiny", "--check", "--jobs", "ONLINE_MEETINGS"]) == 1
    assert "check ONLINE_MEETINGS: ZOOM_API" in capsys.readouterr().err
    engine = sa.create_engine(url)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_second_runner_gives_up_while_the_first_holds_the_lock(tmp_path, any_db_url, capsys):
    from db import engine, lock

    config = write_config(tmp_path, any_db_url, [], RUN_LOCK_WAIT_SECONDS=1)
    first = engine.make_engine(DbSettings(any_db_url))
    with lock.run_lock(first, 1):
        assert run_jobs.main(["--config", str(config)]) == 3
    first.dispose()
    assert "holds the run lock" in capsys.readouterr().err
    assert run_jobs.main(["--config", str(config)]) == 0


def test_a_bug_inside_a_check_is_reported_like_one_inside_a_run(tmp_path, monkeypatch, capsys):
    def check(self, settings):
        if self is JobName.CANVAS_LTI:
            raise KeyError("bug in check (token runner-token-123)")
        return "reached"

    monkeypatch.setattr(JobName, "check", check)
    config = write_config(
        tmp_path, f"sqlite:///{tmp_path / 'check.sqlite'}", ["CANVAS_LTI", "ONLINE_MEETINGS"]
    )
    assert run_jobs.main(["--config", str(config), "--check"]) == 1
    out = capsys.readouterr()
    assert "check CANVAS_LTI failed" in out.err and "KeyError: 'bug in check" in out.err
    assert "check ONLINE_MEETINGS: ok (reached)" in out.err
    assert out.out.splitlines()[-1] == (
        "course-inventory: exit 1: check: would run CANVAS_LTI, ONLINE_MEETINGS; 1 problem(s)"
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed" and "CANVAS_LTI: KeyError" in summary["error"]
    assert "runner-token-123" not in out.err + out.out + summary["error"]
    assert not (tmp_path / "check.sqlite").exists()


def test_closing_output_lists_rows_per_table_and_is_one_json_object_in_json(
    tmp_path, sqlite_url, fake_jobs, capsys
):
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    config = write_config(tmp_path, sqlite_url, ["ONLINE_MEETINGS"])
    assert run_jobs.main(["--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "  ONLINE_MEETINGS (succeeded): term 2"
    assert out[-1].startswith("course-inventory: exit 0: 1 job(s), 1 succeeded")
    config = write_config(tmp_path, sqlite_url, ["ONLINE_MEETINGS"], LOG_FORMAT="json")
    assert run_jobs.main(["--config", str(config)]) == 0
    captured = capsys.readouterr()
    [closing] = [json.loads(line) for line in captured.out.splitlines()]
    assert closing["exit_code"] == 0 and closing["summary"].startswith("1 job(s), 1 succeeded")
    assert closing["jobs"][0]["rows"] == {"term": 2}
    finished = [json.loads(line) for line in captured.err.splitlines() if "succeeded in" in line]
    assert finished[-1]["rows"] == {"term": 2} and finished[-1]["status"] == "succeeded"


def test_status_reports_last_runs_and_freshness_and_alerts_on_max_age(
    tmp_path, any_db_url, fake_jobs, capsys
):
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed  # Zoom data as of 2026-11-20
    fake_jobs[JobName.CANVAS_LTI] = explode
    config = str(write_config(tmp_path, any_db_url, ["ONLINE_MEETINGS", "CANVAS_LTI"]))
    assert run_jobs.main(["--config", config]) == 1
    capsys.readouterr()
    assert run_jobs.main(["status", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "ONLINE_MEETINGS: succeeded at " in out and "; term 2" in out
    assert "CANVAS_LTI: failed at " in out and "the source went away" in out
    assert "runner-token-123" not in out
    assert "ZOOM_API: 2026-11-20 00:00:00" in out and "CANVAS_API: -, never" in out
    # Zoom's data is days old: a 36-hour limit makes status fail, for the alert.
    assert run_jobs.main(["status", "--config", config, "--max-age", "ZOOM_API=36"]) == 1
    assert "stale: ZOOM_API" in capsys.readouterr().out
    assert run_jobs.main(["status", "--config", config, "--max-age", "ZOOM_API=1e9"]) == 0
    capsys.readouterr()
    assert run_jobs.main(["status", "--config", config, "--max-age", "NOPE=3"]) == 2
    assert "unknown source" in capsys.readouterr().err


def test_status_on_a_database_no_run_has_migrated_names_the_fix(tmp_path, capsys):
    database = tmp_path / "empty.sqlite"
    sqlite3.connect(database).close()
    config = str(write_config(tmp_path, f"sqlite:///{database}", ["ONLINE_MEETINGS"]))
    assert run_jobs.main(["status", "--config", config]) == 3
    captured = capsys.readouterr()
    assert "migrations have not been applied; run the jobs once" in captured.err
    assert "OperationalError" not in captured.err
    assert captured.out.splitlines()[-1].endswith("exit 3: database unreadable")
    with sqlite3.connect(database) as conn:  # status only reads: nothing was created
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == (0,)


def test_retry_failed_runs_only_the_jobs_whose_last_run_failed(
    tmp_path, sqlite_url, fake_jobs, capsys
):
    fake_jobs[JobName.ONLINE_MEETINGS] = succeed
    fake_jobs[JobName.CANVAS_LTI] = explode
    config = str(write_config(tmp_path, sqlite_url, ["ONLINE_MEETINGS", "CANVAS_LTI"]))
    assert run_jobs.main(["--config", config]) == 1
    fake_jobs[JobName.CANVAS_LTI] = succeed
    assert run_jobs.main(["--config", config, "--retry-failed"]) == 0
    assert [(r["job_name"], r["status"]) for r in job_rows(sqlite_url)] == [
        ("ONLINE_MEETINGS", "succeeded"),
        ("CANVAS_LTI", "failed"),
        ("CANVAS_LTI", "succeeded"),
    ]
    assert run_jobs.main(["--config", config, "--retry-failed"]) == 0
    assert len(job_rows(sqlite_url)) == 3
    assert "0 job(s)" in capsys.readouterr().out.splitlines()[-1]


def test_help_shows_exit_codes_and_examples(capsys):
    with pytest.raises(SystemExit) as caught:
        run_jobs.main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for code in ("0  every", "1  a job failed", "2  the configuration", "3  the database"):
        assert code in out
    assert out.count("python run_jobs.py ") >= 2 and "status --max-age" in out
