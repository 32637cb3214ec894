"""Atomic refresh (SPEC 6): a second connection reading during a load sees one whole generation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
import sqlalchemy as sa

from db import Database, mysql_swap
from db.sqlite import SqliteWriter
from vocab import LoadError

WAIT = 30  # generous bound on waiting for the reader thread; never expected to be reached


def generation(gen: int, *, broken: bool = False) -> dict[str, pd.DataFrame]:
    """Course and enrollment rows whose sizes and marker identify generation `gen`."""
    n_courses, n_enrollments = 20 + 10 * gen, 200 + 100 * gen
    course = pd.DataFrame({"canvas_id": range(n_courses), "workflow_state": f"gen{gen}"})
    enrollment = pd.DataFrame(
        {
            "canvas_id": range(n_enrollments),
            "course_id": [i % n_courses for i in range(n_enrollments)],
            "user_id": pd.array(range(n_enrollments), dtype="Int64"),
            "workflow_state": f"gen{gen}",
            "role_type": "StudentEnrollment",
        }
    )
    if broken:
        enrollment.loc[n_enrollments - 1, "user_id"] = None  # NOT NULL: fails the load
    return {"course": course, "enrollment": enrollment}


def expected_counts(gen: int) -> tuple[int, int]:
    return 20 + 10 * gen, 200 + 100 * gen


class Reader(threading.Thread):
    """Reads both tables in one transaction, over and over, on its own connection."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.stop = threading.Event()
        self.seen: list[tuple] = []
        self.errors: list[BaseException] = []
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            with self.engine.connect() as conn:
                while not self.stop.is_set():
                    self._read(conn)
        except BaseException as err:  # reported to the test thread, which fails on it
            self.errors.append(err)
            with self.progress:
                self.progress.notify_all()

    def _read(self, conn: sa.Connection) -> None:
        with conn.begin():
            rows = [
                conn.execute(
                    sa.text(f"SELECT COUNT(*), MIN(workflow_state), MAX(workflow_state) FROM {t}")
                ).one()
                for t in ("course", "enrollment")
            ]
        with self.progress:
            self.seen.append(tuple(rows))
            self.progress.notify_all()

    def wait_for_reads(self, count: int) -> None:
        """Block until `count` more reads have completed."""
        target = len(self.seen) + count
        with self.progress:
            done = self.progress.wait_for(lambda: len(self.seen) >= target or self.errors, WAIT)
        assert done and not self.errors, self.errors


@contextmanager
def reading(engine: sa.Engine) -> Iterator[Reader]:
    reader = Reader(engine)
    reader.start()
    try:
        yield reader
    finally:
        reader.stop.set()
        reader.join(WAIT)
    assert not reader.errors, reader.errors


def pause_after_each_table(
    monkeypatch: pytest.MonkeyPatch, dialect: str, reader_box: list[Reader]
) -> None:
    """Make the loader wait for two reads after loading each table, i.e. mid-replace."""

    def wrap(original: Callable) -> Callable:
        def patched(*args, **kwargs):
            result = original(*args, **kwargs)
            reader_box[0].wait_for_reads(2)
            return result

        return patched

    if dialect == "mysql":
        monkeypatch.setattr(mysql_swap, "_load_stage", wrap(mysql_swap._load_stage))
    else:
        monkeypatch.setattr(SqliteWriter, "insert", wrap(SqliteWriter.insert))


def assert_whole_generations(seen: list[tuple], allowed: set[int]) -> set[int]:
    gens = set()
    for (n_course, c_min, c_max), (n_enr, e_min, e_max) in seen:
        assert c_min == c_max == e_min == e_max, seen  # one marker across both tables
        gen = int(c_min.removeprefix("gen"))
        assert (n_course, n_enr) == expected_counts(gen)  # complete, not half-loaded
        gens.add(gen)
    assert gens <= allowed
    return gens


def test_readers_see_old_or_new_generation_never_a_mix(any_engine, monkeypatch):
    database = Database(any_engine, bulk_min_rows=0)
    database.replace(generation(1))
    box: list[Reader] = []
    pause_after_each_table(monkeypatch, database.dialect, box)
    with reading(any_engine) as reader:
        box.append(reader)
        for gen in (2, 3, 4):
            database.replace(generation(gen))
        reader.wait_for_reads(2)
    seen = assert_whole_generations(reader.seen, {1, 2, 3, 4})
    assert 1 in seen and 4 in seen


def test_a_load_failing_halfway_leaves_the_old_generation(any_engine, monkeypatch):
    database = Database(any_engine, bulk_min_rows=0)
    database.replace(generation(1))
    box: list[Reader] = []
    pause_after_each_table(monkeypatch, database.dialect, box)
    with reading(any_engine) as reader:
        box.append(reader)
        with pytest.raises(LoadError, match="previous contents kept"):
            database.replace(generation(2, broken=True))
        reader.wait_for_reads(2)
    assert assert_whole_generations(reader.seen, {1}) == {1}
    assert database.rows_written == {
        "course": expected_counts(1)[0],
        "enrollment": expected_counts(1)[1],
    }
    leftovers = [t for t in sa.inspect(any_engine).get_table_names() if "__" in t]
    assert leftovers == []


def test_swap_blocked_by_a_long_reader_gives_up_with_tables_intact(mariadb_engine):
    database = Database(mariadb_engine, lock_wait_timeout=1, swap_attempts=2)
    database.replace(generation(1))
    with mariadb_engine.connect() as reader:
        reader.begin()
        reader.execute(sa.text("SELECT COUNT(*) FROM enrollment")).one()  # holds its MDL
        with pytest.raises(LoadError) as caught:
            database.replace(generation(2))
        reader.rollback()
    message = str(caught.value)
    assert "metadata lock on enrollment" in message and "2 attempts" in message
    assert database.scalar("SELECT MIN(workflow_state) FROM course") == "gen1"
    assert database.scalar("SELECT COUNT(*) FROM enrollment") == expected_counts(1)[1]
    assert [t for t in sa.inspect(mariadb_engine).get_table_names() if "__" in t] == []
    database.replace(generation(2))  # once the reader is gone the swap goes through
    assert database.scalar("SELECT MIN(workflow_state) FROM enrollment") == "gen2"
