"""Logging: JSON lines with the job context, secrets masked however they are spelled."""

from __future__ import annotations

import logging

import hjson

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
