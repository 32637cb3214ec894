"""The SQLite half of bench.load: Database.replace against executemany in one transaction."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from bench.common import RssSampler, Step, interleaved, timed
from db import Database
from db.engine import make_engine
from db.frames import prepare, reflect_table
from db.migrate import migrate
from db.sqlite import SqliteWriter, quote
from settings import DbSettings

REFERENCE = "reference: DELETE + executemany into enrollment, one transaction"
REPLACE = "Database.replace, table holding the rows"
MERGE = "Database.merge, rows unchanged"


def executemany_reference(engine: sa.Engine, frame: pd.DataFrame) -> None:
    """What replace did before: refill the table as it is, indexes and all, in one transaction."""
    with engine.begin() as conn:
        info = reflect_table(conn, "enrollment")
        conn.exec_driver_sql(f"DELETE FROM {quote('enrollment')}")
        SqliteWriter().insert(conn, prepare(frame, info), info)


def sqlite_steps(frame: pd.DataFrame) -> tuple[tuple[str, Callable[[sa.Engine], object]], ...]:
    """The timed steps, each a (name, callable of the engine) pair, in their interleaving order."""
    return (
        (REFERENCE, lambda engine: executemany_reference(engine, frame)),
        (REPLACE, lambda engine: Database(engine).replace({"enrollment": frame})),
        (MERGE, lambda engine: Database(engine).merge("enrollment", frame, key=["canvas_id"])),
    )


def scratch_sqlite() -> tuple[sa.Engine, tempfile.TemporaryDirectory[str]]:
    """A migrated SQLite file in a temporary directory (the caller cleans both up)."""
    directory = tempfile.TemporaryDirectory()
    engine = make_engine(DbSettings(f"sqlite:///{Path(directory.name) / 'bench.sqlite'}"))
    migrate(engine)
    return engine, directory


def run_sqlite(frame: pd.DataFrame, repeat: int) -> list[Step]:
    """Time each SQLite step ``repeat`` times, interleaved, on a file holding the rows."""
    engine, directory = scratch_sqlite()
    sampler = RssSampler()
    sampler.start()
    try:
        Database(engine).replace({"enrollment": frame})  # every timed step finds the rows
        steps = sqlite_steps(frame)
        timers = {name: Step(name, len(frame)) for name, _ in steps}
        for _, (name, action) in interleaved(steps, repeat):
            with timed(timers[name], sampler):
                action(engine)
    finally:
        sampler.done.set()
        engine.dispose()
        directory.cleanup()
    return list(timers.values())
