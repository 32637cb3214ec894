"""Engines: SQLite file setup, MySQL session settings, waiting for an unreachable server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from db.engine import DatabaseUnavailable, make_engine, wait_for_database
from settings import DbSettings
from vocab import ETLError


def test_sqlite_engine_makes_its_directory_and_uses_wal(tmp_path):
    engine = make_engine(DbSettings(f"sqlite:///{tmp_path}/nested/dir/inv.sqlite"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "nested" / "dir" / "inv.sqlite").exists()
    engine.dispose()


def test_in_memory_sqlite_is_refused():
    with pytest.raises(ETLError, match="file path"):
        make_engine(DbSettings("sqlite://"))


def test_mysql_session_is_utf8mb4_utc_with_local_infile(mariadb_engine):
    with mariadb_engine.connect() as conn:
        charset = conn.exec_driver_sql("SELECT @@character_set_connection").scalar()
        zone = conn.exec_driver_sql("SELECT @@session.time_zone").scalar()
    assert (charset, zone) == ("utf8mb4", "+00:00")
    assert mariadb_engine.url.drivername == "mysql+pymysql"


def test_wait_for_database_returns_when_reachable(any_engine):
    wait_for_database(any_engine, total_seconds=5)


def test_wait_for_database_gives_up_naming_host_without_password():
    engine = make_engine(DbSettings("mysql://inventory:s3cr3t-pw@127.0.0.1:1/inventory"))
    with pytest.raises(DatabaseUnavailable) as caught:
        wait_for_database(engine, total_seconds=1)
    message = str(caught.value)
    assert "127.0.0.1:1/inventory" in message
    assert "s3cr3t-pw" not in message
    assert isinstance(caught.value.__cause__, sa.exc.DBAPIError)
