"""Logging: JSON lines with the job context, secrets masked however they are spelled."""

from __future__ import annotations

import io
import json
import logging
import sys

import hjson
import pytest
import requests

import logs
import redaction


def test_json_logs_hide_secrets_with_quotes_and_accents(capsys):
    secret = 'tok\\en"quoted-é'
    redaction.register_secret(secret)
    logs.configure_logging("INFO", "json")
    try:
        raise ValueError(f"bad {secret}")
    except ValueError:
        logging.getLogger("x").exception("failed with %s", secret)
    logs.configure_logging("INFO")
    err = capsys.readouterr().err
    entry = hjson.loads(err.strip().splitlines()[-1])
    assert secret not in entry["message"] and secret not in entry["exception"]
    assert entry["message"] == "failed with ***"


def test_json_log_lines_carry_job_and_run_id(capsys):
    logs.configure_logging("INFO", "json")
    with logs.log_context(job="MIVIDEO", run_id=42):
        logging.getLogger("x").info("hello %s", "world")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = hjson.loads(line)
    assert entry["message"] == "hello world"
    assert (entry["job"], entry["run_id"], entry["level"]) == ("MIVIDEO", 42, "INFO")
    logs.configure_logging("INFO")


def _json_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.strip().splitlines() if line.startswith("{")]


def test_worker_lines_carry_the_context_and_counts_are_json_fields(capsys, monkeypatch):
    from sources import concurrency

    monkeypatch.setattr(concurrency, "LOG_EVERY_SECONDS", 0.0)  # a progress line per item
    logs.configure_logging("INFO", "json")
    worker_log = logging.getLogger("worker")

    def work(n: int) -> int:
        worker_log.info("item %s", n, extra={"rows": {"course": n}})
        return n

    def step() -> list:
        return list(concurrency.map_concurrently(work, range(4), workers=2, desc="items"))

    with logs.log_context(job="COURSE_INVENTORY", run_id=9):
        concurrency.run_together({"a": step, "b": step})
    logs.configure_logging("INFO")
    entries = _json_lines(capsys.readouterr().err)
    progress = [e for e in entries if e["logger"] == "sources.concurrency"]
    items = [e for e in entries if e["logger"] == "worker"]
    assert progress and len(items) == 8
    assert all((e["job"], e["run_id"]) == ("COURSE_INVENTORY", 9) for e in progress + items)
    assert sorted(e["rows"]["course"] for e in items) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_urllib3_retry_warnings_are_silenced(capsys):
    from sources.http import build_session
    from sources.retry import RetryPolicy

    logs.configure_logging("INFO", "text")
    session = build_session(
        policy=RetryPolicy(attempts=2, factor=0, jitter=0), pool_size=1, timeout=2
    )
    with pytest.raises(requests.ConnectionError):
        session.get("http://127.0.0.1:9/x")
    err = capsys.readouterr().err
    assert "retrying GET" in err  # ours, once per retry
    assert "Retrying (" not in err and "_CountingRetry(" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_go_around_progress_bars_on_a_terminal(monkeypatch):
    from tqdm.contrib.logging import _TqdmLoggingHandler

    from sources import concurrency

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    logs.configure_logging("INFO", "text")
    root = logging.getLogger()
    with concurrency.Progress("courses", total=3):
        assert any(isinstance(h, _TqdmLoggingHandler) for h in root.handlers)
        logging.getLogger("x").info("a line while the bar runs")
    assert not any(isinstance(h, _TqdmLoggingHandler) for h in root.handlers)
    assert [h.get_name() for h in root.handlers].count(logs.HANDLER_NAME) == 1
    assert "a line while the bar runs" in terminal.getvalue()
