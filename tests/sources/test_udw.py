"""UdwClient against a real PostgreSQL filled by the sandbox's UDW filler."""

from __future__ import annotations

import pytest

from sandbox.university import University
from sandbox.warehouse import fill_udw
from settings import UdwSettings
from sources.udw import UdwClient
from vocab import RetriableSourceError


def test_section_sis_ids_in_chunks_and_data_date(pg_url: str, tiny_university: University) -> None:
    fill_udw(pg_url, tiny_university)
    wanted = [*(s["id"] for s in tiny_university.sections[:20]), 1, 2]
    with UdwClient(UdwSettings(pg_url), chunk_size=7) as udw:
        found = udw.section_sis_ids(wanted)
        data_date = udw.canvas_data_date()
        empty = udw.section_sis_ids([])
    expected = {s["id"]: s["sis_section_id"] for s in tiny_university.sections[:20]}
    assert dict(zip(found["canvas_id"], found["sis_id"], strict=True)) == expected
    assert str(found["canvas_id"].dtype) == "int64"
    assert data_date == tiny_university.warehouse_date
    assert data_date.tzinfo is not None
    assert empty.empty and list(empty.columns) == ["canvas_id", "sis_id"]


def test_unreachable_warehouse_is_a_retriable_error_without_password() -> None:
    url = "postgresql+psycopg2://reader:hunter2secret@127.0.0.1:1/udw"
    with UdwClient(UdwSettings(url)) as udw, pytest.raises(RetriableSourceError) as caught:
        udw.canvas_data_date()
    assert "hunter2secret" not in str(caught.value)
    assert "127.0.0.1:1/udw" in str(caught.value)
