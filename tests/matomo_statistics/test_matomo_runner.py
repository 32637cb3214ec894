"""MATOMO_STATISTICS through the runner: run records, freshness, exit codes, secrets, --check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import run_jobs
from matomo_statistics import job
from sandbox.web import RunningServer
from tests.matomo_statistics.conftest import MATOMO_TOKEN, TODAY


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job, "utc_today", lambda: TODAY)


def _config(tmp_path: Path, matomo: RunningServer, token: str = MATOMO_TOKEN) -> Path:
    raw = {
        "JOB_NAMES": ["MATOMO_STATISTICS"],
        "INVENTORY_DB": {"url": f"sqlite:///{tmp_path / 'inventory.sqlite'}"},
        "DB_WAIT_SECONDS": 1,
        "MAX_REQ_ATTEMPTS": 1,
        "TERMINATION_LOG_PATH": str(tmp_path / "summary.json"),
        "MATOMO": {"URL": matomo.url, "TOKEN_AUTH": token, "SITE_IDS": [2, 3], "LOOKBACK_DAYS": 2},
    }
    path = tmp_path / "env.hjson"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def _rows(tmp_path: Path, sql: str) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'inventory.sqlite'}")
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_a_run_is_recorded_with_its_rows_and_freshness(
    tmp_path: Path, matomo: RunningServer
) -> None:
    assert run_jobs.main(["--config", str(_config(tmp_path, matomo))]) == 0
    [(status, rows)] = _rows(tmp_path, "SELECT status, rows_by_table FROM job_run")
    assert status == "succeeded"
    assert json.loads(rows)["matomo_visits_day"] == 4
    [(name, updated)] = _rows(
        tmp_path, "SELECT data_source_name, data_updated_at FROM data_source_status"
    )
    assert name == "MATOMO_API" and str(updated).startswith(TODAY.isoformat())


def test_a_wrong_token_fails_the_run_with_the_fix_and_never_shows_the_token(
    tmp_path: Path, matomo: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "wrong-matomo-token-31337"
    assert run_jobs.main(["--config", str(_config(tmp_path, matomo, wrong)), "-v"]) == 1
    [(status, error)] = _rows(tmp_path, "SELECT status, error FROM job_run")
    assert status == "failed" and "MATOMO.TOKEN_AUTH" in error
    summary = (tmp_path / "summary.json").read_text()
    output = capsys.readouterr()
    for text in (error, summary, output.out, output.err):
        assert wrong not in text
    assert _rows(tmp_path, "SELECT COUNT(*) FROM matomo_visits_day") == [(0,)]


def test_check_reaches_matomo_or_says_why_not(
    tmp_path: Path, matomo: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_jobs.main(["--config", str(_config(tmp_path, matomo)), "--check"]) == 0
    assert (
        run_jobs.main(["--config", str(_config(tmp_path, matomo, "bad-token-0000")), "--check"])
        == 1
    )
    assert "MATOMO.TOKEN_AUTH" in capsys.readouterr().err
