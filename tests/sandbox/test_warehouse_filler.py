"""The sandbox UDW tables hold every section with its SIS id, and the warehouse date."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from sandbox.university import University
from sandbox.warehouse import canvas_data_date, fill_udw, udw_reachable


def test_fill_udw(pg_url: str, tiny_university: University) -> None:
    assert fill_udw(pg_url, tiny_university) == len(tiny_university.sections)
    fill_udw(pg_url, tiny_university)  # refilling replaces, never duplicates
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT canvas_id, sis_source_id, name FROM course_section_dim")
            ).all()
            stamp = conn.execute(
                sa.text("SELECT value FROM unizin_metadata WHERE key = 'canvasdatadate'")
            ).scalar_one()
    finally:
        engine.dispose()
    expected = {(s["id"], s["sis_section_id"], s["name"]) for s in tiny_university.sections}
    assert set(rows) == expected and len(rows) == len(expected)
    parsed = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f%z")
    assert parsed == tiny_university.warehouse_date.astimezone(UTC)
    assert stamp == canvas_data_date(tiny_university)


def test_udw_reachable(pg_url: str) -> None:
    assert udw_reachable(pg_url)
    assert not udw_reachable("postgresql+psycopg2://postgres@127.0.0.1:9/nothing", timeout_s=1)
