"""Every table against the generator's ground truth, on MariaDB and SQLite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from oe_helpers import COLUMNS, TABLE_KEYS, expected_rows, table_rows

from db import Database
from openedx_logs import job
from sandbox.tracking_logs import expected
from sandbox.tracking_logs.scenario import Scenario


def test_every_table_matches_the_ground_truth(
    database: Database, log_dir: Path, santiago: Scenario, settings_for: Callable
) -> None:
    job.read_logs(settings_for([str(log_dir)]), database)
    truth = expected.tables(santiago)
    for table, columns in COLUMNS.items():
        got = table_rows(database, table, columns)
        want = expected_rows(truth[table], columns)
        assert len(got) == len(want), table
        assert got == want, table
    assert set(TABLE_KEYS) == set(COLUMNS)
