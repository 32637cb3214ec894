"""Database.replace / append / merge / transaction on both engines, and the MySQL bulk paths."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa

from db import Database, mysql_swap
from vocab import LoadError

EDGE_STRINGS = [
    "back\\slash",
    'say "hi"',
    "a,b",
    "two\nlines",
    "tab\there",
    "emoji 😀🎓",
    "",
    "NULL",
    "\\N",
    "é ü ß",
    None,
]


def courses(n: int, state: str = "available", start: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "canvas_id": range(start, start + n),
            "name": [f"Course {i}" for i in range(start, start + n)],
            "workflow_state": state,
        }
    )


@pytest.fixture(params=["insert", "load_data"])
def mysql_database(request, mariadb_engine) -> Database:
    """Database on MariaDB forced through executemany or through LOAD DATA."""
    if request.param == "insert":
        return Database(mariadb_engine, use_load_data=False)
    return Database(mariadb_engine, bulk_min_rows=0)


def test_replace_round_trips_edge_strings_nulls_and_utc_times(database):
    when = [datetime(2024, 3, 1, 12, 0, 0, 700000, tzinfo=timezone(timedelta(hours=-5)))] * 11
    frame = pd.DataFrame(
        {
            "canvas_id": range(1, 12),
            "name": EDGE_STRINGS,
            "sis_id": list(reversed(EDGE_STRINGS)),
            "workflow_state": "available",
            "account_id": pd.array([1, None] * 5 + [7], dtype="Int64"),
            "created_at": when,
        }
    )
    frame.loc[3, "created_at"] = None
    assert database.replace({"course": frame}) == {"course": 11}
    stored = database.query_frame("SELECT * FROM course ORDER BY canvas_id")
    names = stored["name"].astype(object).where(stored["name"].notna(), None).tolist()
    assert names == EDGE_STRINGS
    assert stored["account_id"].isna().tolist() == [False, True] * 5 + [False]
    created = pd.to_datetime(stored["created_at"])
    assert created[0] == pd.Timestamp("2024-03-01 17:00:00")
    assert pd.isna(created[3])
    assert database.rows_written == {"course": 11}


def test_bulk_paths_round_trip_edge_strings(mysql_database):
    frame = pd.DataFrame(
        {"canvas_id": range(1, 12), "name": EDGE_STRINGS, "workflow_state": "available"}
    )
    mysql_database.replace({"course": frame})
    mysql_database.merge("course", frame.assign(sis_id=EDGE_STRINGS), key=["canvas_id"])
    stored = mysql_database.query_frame("SELECT name, sis_id FROM course ORDER BY canvas_id")
    for column in ("name", "sis_id"):
        values = stored[column].astype(object).where(stored[column].notna(), None).tolist()
        assert values == EDGE_STRINGS


def test_replace_swaps_a_set_of_tables_and_leaves_no_stage_tables(mysql_database):
    sections = pd.DataFrame({"canvas_id": [10, 11], "course_id": [1, 2]})
    mysql_database.replace({"course": courses(3), "course_section": sections})
    mysql_database.replace({"course": courses(2, "deleted"), "course_section": sections})
    deleted = "SELECT COUNT(*) FROM course WHERE workflow_state = 'deleted'"
    assert mysql_database.scalar(deleted) == 2
    tables = set(sa.inspect(mysql_database.engine).get_table_names())
    assert not {t for t in tables if t.endswith(("__stage", "__old"))}
    indexes = sa.inspect(mysql_database.engine).get_indexes("course")
    assert {ix["name"] for ix in indexes} >= {"ix_course_account_id", "ix_course_term_id"}
    assert mysql_database.rows_written == {"course": 5, "course_section": 4}


def test_guard_refuses_a_sharp_drop_and_force_overrides(any_engine):
    Database(any_engine).replace({"course": courses(10)})
    with pytest.raises(LoadError, match=r"3 rows, below 0.5 x the 10 rows"):
        Database(any_engine).replace({"course": courses(3, "new")})
    assert Database(any_engine).scalar("SELECT COUNT(*) FROM course") == 10
    Database(any_engine, force_replace=True).replace({"course": courses(3, "new")})
    assert Database(any_engine).scalar("SELECT COUNT(*) FROM course") == 3


def test_guard_is_skipped_for_an_empty_table_and_honours_the_ratio(database):
    database.replace({"course": courses(10)})
    Database(database.engine, min_row_ratio=0.2).replace({"course": courses(2)})
    assert database.scalar("SELECT COUNT(*) FROM course") == 2


def test_replace_refuses_protected_tables_and_frames_that_do_not_fit(database):
    with pytest.raises(LoadError, match="protected"):
        database.replace({"lti_type": pd.DataFrame({"canvas_id": [1]})})
    with pytest.raises(LoadError, match=r"unknown columns \['colour'\]"):
        database.replace({"course": courses(1).assign(colour="red")})
    with pytest.raises(LoadError, match=r"missing required columns \['workflow_state'\]"):
        database.replace({"course": courses(1).drop(columns="workflow_state")})
    with pytest.raises(LoadError, match="does not exist"):
        database.append("no_such_table", courses(1))


def test_merge_is_idempotent_and_updates_by_key(any_engine):
    database = Database(any_engine, bulk_min_rows=0)
    hours = pd.DataFrame(
        {
            "event_hour_utc": ["2024-01-01 10", "2024-01-01 11"],
            "course_id": [5, 5],
            "event_count": [3, 4],
            "event_time_utc_latest": pd.to_datetime(
                ["2024-01-01T10:59:00Z", "2024-01-01T11:30:00Z"]
            ),
        }
    )
    for _ in range(2):
        database.merge("mivideo_media_started_hourly", hours, key=["event_hour_utc", "course_id"])
    before = database.query_frame("SELECT * FROM mivideo_media_started_hourly ORDER BY id")
    late = hours.assign(event_count=[3, 9])
    database.merge("mivideo_media_started_hourly", late, key=["event_hour_utc", "course_id"])
    after = database.query_frame("SELECT * FROM mivideo_media_started_hourly ORDER BY id")
    assert len(before) == len(after) == 2
    assert after["event_count"].tolist() == [3, 9]
    assert after["id"].tolist() == before["id"].tolist()


def test_merge_paths_agree_on_mysql(mysql_database):
    mysql_database.merge("course", courses(50), key=["canvas_id"])
    mysql_database.merge("course", courses(50, "deleted", start=26), key=["canvas_id"])
    states = mysql_database.query_frame(
        "SELECT workflow_state, COUNT(*) AS n FROM course GROUP BY workflow_state "
        "ORDER BY workflow_state"
    )
    assert states.values.tolist() == [["available", 25], ["deleted", 50]]


def test_merge_of_key_only_rows_ignores_existing_ones(database):
    links = pd.DataFrame(
        {"media_id": ["0_a", "0_b"], "course_id": [1, 1], "in_context": [True, False]}
    )
    database.merge("mivideo_media_courses", links, key=["media_id", "course_id", "in_context"])
    database.merge("mivideo_media_courses", links, key=["media_id", "course_id", "in_context"])
    assert database.scalar("SELECT SUM(in_context) FROM mivideo_media_courses") == 1
    assert database.scalar("SELECT COUNT(*) FROM mivideo_media_courses") == 2


def test_merge_refuses_unknown_keys_and_repeated_keys(database):
    with pytest.raises(LoadError, match="not a unique key"):
        database.merge("course", courses(2), key=["name"])
    with pytest.raises(LoadError, match="2 rows share a key"):
        database.merge("course", pd.concat([courses(2), courses(1)]), key=["canvas_id"])


def test_append_with_a_duplicate_key_fails_and_writes_nothing(any_engine):
    database = Database(any_engine, bulk_min_rows=0)
    database.append("course", courses(3))
    with pytest.raises(LoadError):
        database.append("course", courses(3, start=3))
    assert database.scalar("SELECT COUNT(*) FROM course") == 3
    assert database.rows_written == {"course": 3}


def test_too_long_value_fails_on_mysql_and_keeps_old_rows(mysql_database):
    mysql_database.replace({"course": courses(3)})
    with pytest.raises(LoadError):
        mysql_database.replace({"course": courses(3, state="x" * 40)})
    with pytest.raises(LoadError):
        mysql_database.append("course", courses(2, state="x" * 40, start=10))
    assert (
        mysql_database.scalar("SELECT COUNT(*) FROM course WHERE workflow_state = 'available'")
        == 3
    )


def test_transaction_commits_writes_and_cursor_together(any_engine):
    database = Database(any_engine, bulk_min_rows=0)  # LOAD DATA inside the transaction
    usage = pd.DataFrame(
        {
            "course_id": [1, 1, 2],
            "views": [1, 2, 3],
            "participations": 0,
            "date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 1)],
        }
    )
    with database.transaction() as tx:
        tx.append("canvas_course_usage", usage)
        assert tx.delete_where("canvas_course_usage", "course_id = :c", {"c": 2}) == 1
        tx.set_cursor("usage", "2024-01-02")
    assert database.get_cursor("usage") == "2024-01-02"
    assert database.scalar("SELECT COUNT(*) FROM canvas_course_usage") == 2
    with pytest.raises(RuntimeError), database.transaction() as tx:
        tx.merge("canvas_course_usage", usage, key=["course_id", "date"])
        tx.set_cursor("usage", "2099-01-01")
        raise RuntimeError("job failed after writing")
    assert database.get_cursor("usage") == "2024-01-02"
    assert database.scalar("SELECT COUNT(*) FROM canvas_course_usage") == 2
    assert database.rows_written == {"canvas_course_usage": 3}


def test_cursor_is_none_before_first_set_and_updated_after(database):
    assert database.get_cursor("zoom") is None
    for value in ("2024-01-01", "2024-01-02"):
        with database.transaction() as tx:
            tx.set_cursor("zoom", value)
    assert database.get_cursor("zoom") == "2024-01-02"
    stamp = pd.Timestamp(database.scalar("SELECT updated_at FROM etl_cursor"))
    assert abs(stamp - pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))) < pd.Timedelta("1h")


def test_local_infile_off_falls_back_to_inserts(mariadb_engine, caplog):
    with mariadb_engine.connect() as conn:
        conn.exec_driver_sql("SET GLOBAL local_infile = 0")
    try:
        database = Database(mariadb_engine, bulk_min_rows=0)
        with caplog.at_level(logging.INFO, logger="db.mysql"):
            database.replace({"course": courses(20)})
            database.merge("course", courses(20, "deleted"), key=["canvas_id"])
    finally:
        with mariadb_engine.connect() as conn:
            conn.exec_driver_sql("SET GLOBAL local_infile = 1")
    assert "local_infile is OFF" in caplog.text
    assert database.scalar("SELECT COUNT(*) FROM course WHERE workflow_state = 'deleted'") == 20


def test_load_data_refused_by_server_mid_run_falls_back(mariadb_engine, caplog):
    database = Database(mariadb_engine, bulk_min_rows=0)
    database.replace({"course": courses(5)})  # local_infile seen ON and remembered
    with mariadb_engine.connect() as conn:
        conn.exec_driver_sql("SET GLOBAL local_infile = 0")
    try:
        with caplog.at_level(logging.INFO, logger="db.mysql"):
            database.append("course", courses(5, start=6))
    finally:
        with mariadb_engine.connect() as conn:
            conn.exec_driver_sql("SET GLOBAL local_infile = 1")
    assert "LOAD DATA LOCAL INFILE unavailable" in caplog.text
    assert database.scalar("SELECT COUNT(*) FROM course") == 10


def test_query_frame_and_scalar_bind_named_parameters(database):
    database.replace({"course": courses(4)})
    frame = database.query_frame(
        "SELECT canvas_id FROM course WHERE canvas_id > :n ORDER BY canvas_id", {"n": 2}
    )
    assert frame["canvas_id"].tolist() == [3, 4]
    name = database.scalar("SELECT name FROM course WHERE canvas_id = :id", {"id": 1})
    assert name == "Course 1"


def test_large_replace_rebuilds_the_same_secondary_indexes(mariadb_engine, monkeypatch):
    monkeypatch.setattr(mysql_swap, "DEFERRED_INDEX_MIN_ROWS", 1)
    database = Database(mariadb_engine, bulk_min_rows=0)

    def definition(table: str) -> str:
        with mariadb_engine.connect() as conn:
            ddl = conn.exec_driver_sql(f"SHOW CREATE TABLE {table}").one()[1]
        return re.sub(r" AUTO_INCREMENT=\d+", "", ddl)

    before = definition("canvas_course_usage")
    usage = pd.DataFrame(
        {"course_id": [1, 2], "views": 1, "participations": 1, "date": [date(2024, 1, 1)] * 2}
    )
    database.replace({"canvas_course_usage": usage})
    assert definition("canvas_course_usage") == before
    repeated = pd.concat([usage, usage])
    with pytest.raises(LoadError, match="Duplicate entry"):
        database.replace({"canvas_course_usage": repeated})
    assert database.scalar("SELECT COUNT(*) FROM canvas_course_usage") == 2


@pytest.mark.parametrize("dtype", ["float64", "Float64", "object"])
def test_float_ids_beyond_exact_float_range_are_refused(database, dtype):
    # A float64 id column past 2**53 has already been rounded: 2**53 + 1 reads as 2**53.
    ids = pd.Series([1.0, None, float(2**53 + 2)], dtype=dtype)
    frame = pd.DataFrame(
        {"canvas_id": [1, 2, 3], "account_id": ids, "workflow_state": "available"}
    )
    with pytest.raises(LoadError, match=r"course\.account_id.*2\*\*53"):
        database.append("course", frame)
    assert database.scalar("SELECT COUNT(*) FROM course") == 0


def test_float_ids_within_exact_float_range_load_as_integers(database):
    frame = pd.DataFrame(
        {
            "canvas_id": [1.0, float(2**53 - 1)],
            "account_id": [None, 7.0],
            "workflow_state": "available",
        }
    )
    database.append("course", frame)
    stored = database.query_frame("SELECT canvas_id, account_id FROM course ORDER BY canvas_id")
    assert stored["canvas_id"].tolist() == [1, 2**53 - 1]
    assert pd.isna(stored["account_id"][0]) and stored["account_id"][1] == 7


def test_datetimes_for_a_text_column_are_stored_in_the_column_text_form(database):
    hours = pd.DataFrame(
        {
            "event_hour_utc": pd.to_datetime(["2024-05-01 10:00:00"]),
            "course_id": [1],
            "event_count": [3],
            "event_time_utc_latest": [datetime(2024, 5, 1, 10, 59, tzinfo=UTC)],
        }
    )
    database.append("mivideo_media_started_hourly", hours)
    assert database.scalar("SELECT event_hour_utc FROM mivideo_media_started_hourly") == (
        "2024-05-01 10:00:00"
    )
