"""Run lock: one runner per database; a second one waits, then gives up with a clear error."""

from __future__ import annotations

import threading
import time
import uuid

import pymysql
import pytest
import sqlalchemy as sa

from db.engine import make_engine
from db.lock import RunLockLost, RunLockTimeout, run_lock
from settings import DbSettings

WAIT = 30  # bound on thread coordination; never expected to be reached


def test_second_holder_times_out_while_the_first_holds_the_lock(any_engine):
    with run_lock(any_engine, wait_seconds=5):
        outcome: list[BaseException] = []

        def contender() -> None:
            try:
                with run_lock(any_engine, wait_seconds=0.5):
                    pass
            except RunLockTimeout as err:
                outcome.append(err)

        thread = threading.Thread(target=contender)
        thread.start()
        thread.join(WAIT)
    assert len(outcome) == 1
    assert "another course-inventory run holds the run lock" in str(outcome[0])


def test_waiting_holder_enters_only_after_the_first_leaves(any_engine):
    events: list[str] = []
    first_in, second_waiting, second_in = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with run_lock(any_engine, wait_seconds=5):
            events.append("first in")
            first_in.set()
            second_waiting.wait(WAIT)
            # Give a broken lock the chance to let the second holder in; a working one won't.
            second_in.wait(1.0)
            events.append("first out")

    def second() -> None:
        first_in.wait(WAIT)
        second_waiting.set()
        with run_lock(any_engine, wait_seconds=WAIT):
            events.append("second in")
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert events == ["first in", "first out", "second in"]


def test_lock_is_released_when_the_block_raises(any_engine):
    with pytest.raises(RuntimeError), run_lock(any_engine, wait_seconds=1):
        raise RuntimeError("job crashed")
    with run_lock(any_engine, wait_seconds=1):
        pass


def test_mysql_run_locks_of_different_databases_are_independent(mariadb_engine):
    other = f"ci_{uuid.uuid4().hex[:12]}"
    admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    admin.cursor().execute(f"CREATE DATABASE `{other}`")
    other_engine = make_engine(DbSettings(f"mysql+pymysql://root@127.0.0.1:3306/{other}"))
    try:
        with run_lock(mariadb_engine, wait_seconds=1), run_lock(other_engine, wait_seconds=1):
            pass
    finally:
        other_engine.dispose()
        admin.cursor().execute(f"DROP DATABASE `{other}`")
        admin.close()


def test_still_held_while_the_block_runs_and_not_after(any_engine):
    with run_lock(any_engine, wait_seconds=1) as held:
        assert held.still_held()
        held.ensure_held()
    assert not held.still_held()
    with pytest.raises(RunLockLost, match="run lock"):
        held.ensure_held()


def test_run_lock_is_reported_lost_when_the_server_drops_its_connection(mariadb_engine):
    database = mariadb_engine.url.database
    with run_lock(mariadb_engine, wait_seconds=1) as held:
        admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        try:
            with admin.cursor() as cursor:
                cursor.execute("SELECT IS_USED_LOCK(%s)", (f"course_inventory_run.{database}",))
                (holder,) = cursor.fetchone()
                cursor.execute(f"KILL {int(holder)}")
        finally:
            admin.close()
        assert not held.still_held()
        with pytest.raises(RunLockLost, match="run lock"):
            held.ensure_held()
    # The lost lock is free again for the next runner.
    with run_lock(mariadb_engine, wait_seconds=1) as again:
        assert again.still_held()


def test_run_lock_outlives_a_short_server_wait_timeout(mariadb_engine):
    # As on a server whose wait_timeout closes idle sessions after one second.
    engine = sa.create_engine(
        mariadb_engine.url, connect_args={"init_command": "SET SESSION wait_timeout = 1"}
    )
    try:
        with run_lock(engine, wait_seconds=1) as held:
            time.sleep(2.5)  # the lock's connection stays idle while a job runs
            assert held.still_held()
    finally:
        engine.dispose()
