"""A stop is a stop: SIGTERM to a real run_jobs.py process during a fetch and during a swap."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hjson
import pymysql
import pytest
import sqlalchemy as sa

from sandbox.canvas import CanvasServer
from sandbox.web import Faults
from tests.conftest import MARIADB

ROOT = Path(__file__).resolve().parent.parent
# The bound the CronJob's grace period relies on; a stopped run takes about the latency of
# the requests in flight (2 s below) plus a second.
EXIT_LIMIT_S = 10
WAIT_LIMIT_S = 120

pytestmark = pytest.mark.slow


def _config(tmp_path: Path, url: str, canvas: CanvasServer, token: str, **extra: object) -> Path:
    cfg = {
        "JOB_NAMES": ["COURSE_INVENTORY", "ONLINE_MEETINGS"],
        "INVENTORY_DB": {"url": url},
        "LOG_FORMAT": "json",
        "NUM_ASYNC_WORKERS": 4,
        "TERMINATION_LOG_PATH": str(tmp_path / "summary.json"),
        "CANVAS": {
            "CANVAS_ACCOUNT_ID": 1,
            "CANVAS_TERM_IDS": [164, 165, 107],
            "CANVAS_URL": canvas.url,
            "CANVAS_TOKEN": token,
        },
        "ZOOM": {
            "ACCOUNT_ID": "a",
            "CLIENT_ID": "c",
            "CLIENT_SECRET": "zoom-secret-123",
            "FIRST_DAY": "2026-01-01",
            "BASE_URL": "http://127.0.0.1:9",
            "TOKEN_URL": "http://127.0.0.1:9/oauth/token",
        },
        **extra,
    }
    path = tmp_path / "env.hjson"
    path.write_text(hjson.dumpsJSON(cfg), encoding="utf-8")
    return path


def _start(config: Path, tmp_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "JOB_NAMES")}
    return subprocess.Popen(
        [sys.executable, "run_jobs.py", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "stderr.log").open("wb"),
        text=True,
    )


def _wait_for(condition: Callable[[], bool], proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the run never reached {what} (exit {proc.poll()})")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, *, again: bool = False) -> tuple[float, str]:
    """SIGTERM (twice with ``again``); the seconds until the process exited, and its stdout."""
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    if again:  # an impatient operator: the second signal must not cut the recording short
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=WAIT_LIMIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return time.monotonic() - sent, out


def _jobs(engine: sa.Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT job_name, status, error FROM job_run ORDER BY id"))
        return [(r.job_name, r.status, r.error or "") for r in rows]


def _assert_stopped_and_recorded(engine: sa.Engine, proc, elapsed, out, tmp_path) -> None:
    assert proc.returncode == 1
    assert elapsed < EXIT_LIMIT_S, f"exited {elapsed:.1f} s after SIGTERM"
    # Recorded failed with the signal as its cause; the next job never started.
    [(job, status, error)] = _jobs(engine)
    assert (job, status) == ("COURSE_INVENTORY", "failed")
    assert "SIGTERM" in error
    closing = out.strip().splitlines()[-1]
    assert "interrupted; 1 job(s), 0 succeeded, 1 failed (COURSE_INVENTORY)" in closing
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "interrupted"
    assert [j["job"] for j in summary["jobs"]] == ["COURSE_INVENTORY"]


def test_sigterm_during_a_slow_concurrent_fetch_stops_the_workers(
    tmp_path, mariadb_url, mariadb_engine, start_canvas, canvas_token
):
    # Slow enough that the whole fetch (37 requests, 4 workers) takes about 20 s.
    canvas = start_canvas(faults=Faults(latency_s=2.0))
    proc = _start(_config(tmp_path, mariadb_url, canvas, canvas_token), tmp_path)
    _wait_for(lambda: canvas.stats.total_requests >= 10, proc, "the per-course reads")
    before = canvas.stats.total_requests
    elapsed, out = _stop(proc, again=True)
    _assert_stopped_and_recorded(mariadb_engine, proc, elapsed, out, tmp_path)
    # Only requests already on their way when the signal came (one per worker, or a few more
    # if they crossed it) reach the server afterwards, not the rest of every worker's loop.
    assert canvas.stats.total_requests - before <= 8
    with mariadb_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM course")).scalar() == 0


def _rename_waiting(database: str) -> bool:
    with pymysql.connect(**MARIADB) as admin, admin.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s "
            "AND INFO LIKE 'RENAME TABLE%%' AND STATE LIKE '%%metadata lock%%'",
            (database,),
        )
        return cursor.fetchone()[0] > 0


def test_sigterm_while_the_swap_waits_behind_a_reader_is_not_swallowed(
    tmp_path, mariadb_url, mariadb_engine, start_canvas, canvas_token
):
    database = sa.engine.make_url(mariadb_url).database
    reader = pymysql.connect(**MARIADB, database=database)
    try:
        with reader.cursor() as cursor:  # a dashboard query's transaction holds `term` open
            cursor.execute("BEGIN")
            cursor.execute("SELECT COUNT(*) FROM term")
        canvas = start_canvas()
        config = _config(
            tmp_path, mariadb_url, canvas, canvas_token, LOCK_WAIT_TIMEOUT_SECONDS=600
        )
        proc = _start(config, tmp_path)
        _wait_for(lambda: _rename_waiting(database), proc, "the RENAME behind the reader")
        elapsed, out = _stop(proc)
        _assert_stopped_and_recorded(mariadb_engine, proc, elapsed, out, tmp_path)
    finally:
        reader.rollback()
        reader.close()
    time.sleep(0.5)  # the reader is gone: a RENAME left running on the server would swap now
    with mariadb_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM term")).scalar() == 0
        left = conn.execute(
            sa.text(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = :db "
                "AND (TABLE_NAME LIKE '%\\_\\_stage' OR TABLE_NAME LIKE '%\\_\\_old')"
            ),
            {"db": database},
        ).all()
    assert left == []
