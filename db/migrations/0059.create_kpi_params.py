"""Create kpi_params: the parameters each parameters hash of a KPI row stands for."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0058.create_edx_time_spent_day"}

step(
    *create_table(
        "kpi_params",
        """
    params_hash VARCHAR(16) NOT NULL PRIMARY KEY,
    job VARCHAR(40) NOT NULL,
    method VARCHAR(30) NOT NULL,
    params VARCHAR(2000) NOT NULL
""",
    )
)
