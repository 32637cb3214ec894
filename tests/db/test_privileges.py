"""--check and the run verify what the database user may do before anything is written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pymysql
import pytest
import sqlalchemy as sa

import run_jobs
from db import privileges
from db.engine import make_engine
from settings import DbSettings
from tests.conftest import MARIADB
from tests.test_run_jobs import write_config


@pytest.fixture
def read_only_url(mariadb_url: str) -> Iterator[str]:
    """A MariaDB user that may only SELECT in the test database; dropped after the test."""
    user, password = f"ro_{uuid.uuid4().hex[:8]}", "read-only-pw-42"
    database = sa.engine.make_url(mariadb_url).database
    with pymysql.connect(**MARIADB, autocommit=True) as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        cursor.execute(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'")
        for host in ("%", "localhost"):
            cursor.execute(f"GRANT SELECT ON `{database}`.* TO '{user}'@'{host}'")
    try:
        yield f"mysql+pymysql://{user}:{password}@127.0.0.1:3306/{database}"
    finally:
        with pymysql.connect(**MARIADB, autocommit=True) as admin, admin.cursor() as cursor:
            for host in ("%", "localhost"):
                cursor.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


def test_check_refuses_a_read_only_user_naming_what_it_lacks(tmp_path, read_only_url, capsys):
    code = run_jobs.main(["--config", str(write_config(tmp_path, read_only_url, [])), "--check"])
    captured = capsys.readouterr()
    assert code == 3, captured.out
    for privilege in ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "CREATE VIEW"):
        assert privilege in captured.err
    assert "GRANT ALL ON" in captured.err and "read-only-pw-42" not in captured.err


def test_a_run_with_a_read_only_user_stops_before_migrating(tmp_path, read_only_url, capsys):
    code = run_jobs.main(["--config", str(write_config(tmp_path, read_only_url, []))])
    captured = capsys.readouterr()
    assert code == 3
    assert "the user lacks what a run needs" in captured.err
    assert "yoyo_lock" not in captured.err


def test_check_passes_a_full_user_and_reports_local_infile(tmp_path, mariadb_url, capsys):
    engine = make_engine(DbSettings(mariadb_url))
    found = privileges.readiness(engine)
    engine.dispose()
    assert found.missing == []
    assert any("local_infile is" in note for note in found.notes)
    code = run_jobs.main(["--config", str(write_config(tmp_path, mariadb_url, [])), "--check"])
    assert code == 0
    assert "local_infile is" in capsys.readouterr().err
