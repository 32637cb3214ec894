"""MIVIDEO end to end: real BigQuery and Kaltura clients against the emulators, real databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from db import Database
from mivideo import job
from mivideo.job import CURSOR
from mivideo.transform import as_utc
from sandbox import bigquery as bigquery_api
from sandbox import kaltura as kaltura_api
from sandbox.bigquery.events import events_at, started_counts
from sandbox.kaltura.media import generate_media, same_second_media
from sandbox.web import Faults
from vocab import DataSourceName, FatalSourceError, SourceError


def hourly_rows(engine: sa.Engine) -> dict[tuple[str, int], tuple[int, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT event_hour_utc, course_id, event_count, event_time_utc_latest "
                "FROM mivideo_media_started_hourly"
            )
        ).all()
    return {
        (hour, int(course)): (int(count), as_utc(latest)) for hour, course, count, latest in rows
    }


def expected_hourly(events, until: datetime) -> dict[tuple[str, int], tuple[int, datetime]]:
    truth = started_counts(events, until=until)
    # DATETIME columns keep whole seconds.
    return {key: (count, latest.replace(microsecond=0)) for key, (count, latest) in truth.items()}


def media_ids(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.text("SELECT id FROM mivideo_media_created")).scalars())


def course_links(engine: sa.Engine) -> set[tuple[str, int, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT media_id, course_id, in_context FROM mivideo_media_courses")
        ).all()
    return {(media_id, int(course), bool(in_context)) for media_id, course, in_context in rows}


def expected_links(entries) -> set[tuple[str, int, bool]]:
    return {
        (entry.id, course, in_context) for entry in entries for course, in_context in entry.links
    }


def cursor(engine: sa.Engine) -> str | None:
    return Database(engine).get_cursor(CURSOR)


def test_first_run_loads_exactly_the_generator_truth(
    any_engine, udp, kaltura_media, make_settings, hour_now
):
    before = datetime.now(UTC)
    statuses = job.run(make_settings(udp.url, kaltura_media.url), Database(any_engine))

    expected = expected_hourly(udp.events, hour_now)
    assert hourly_rows(any_engine) == expected
    listed = kaltura_media.listed()
    assert media_ids(any_engine) == sorted(entry.id for entry in listed)
    assert course_links(any_engine) == expected_links(listed)
    latest_media = max(entry.created_at for entry in listed)
    assert cursor(any_engine) == datetime.fromtimestamp(latest_media, UTC).isoformat()
    by_name = {status.name: status.data_updated_at for status in statuses}
    assert by_name[DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS] == max(
        latest for _, latest in expected.values()
    )
    assert before <= by_name[DataSourceName.KALTURA_API] <= datetime.now(UTC)


def test_rerun_changes_nothing(any_engine, udp, kaltura_media, make_settings, snapshot):
    settings = make_settings(udp.url, kaltura_media.url)
    job.run(settings, Database(any_engine))
    first = snapshot(any_engine)
    job.run(settings, Database(any_engine))
    second = snapshot(any_engine)
    for table, frame in first.items():
        pd.testing.assert_frame_equal(second[table], frame, obj=table)


def test_second_run_adds_exactly_the_new_events_and_media(
    any_engine, udp, kaltura_media, make_settings, course_ids, hour_now
):
    settings = make_settings(udp.url, kaltura_media.url)
    job.run(settings, Database(any_engine))
    boundary = max(entry.created_at for entry in kaltura_media.listed())
    # New media: some in the very second the cursor points at, some later.
    kaltura_media.library.add(
        same_second_media(course_ids, datetime.fromtimestamp(boundary, UTC), 5, seed=21)
    )
    kaltura_media.library.add(
        generate_media(
            course_ids, start=hour_now - timedelta(hours=2), end=hour_now, count=40, seed=22
        )
    )
    # New events in the last full hour, and late ones inside the look-back.
    udp.deliver(events_at(course_ids, [hour_now - timedelta(minutes=m) for m in range(1, 50)]))
    udp.deliver(
        events_at(course_ids, [hour_now - timedelta(hours=h) for h in (5, 20, 30)], seed=9)
    )

    job.run(settings, Database(any_engine))

    assert hourly_rows(any_engine) == expected_hourly(udp.events, hour_now)
    listed = kaltura_media.listed()
    assert media_ids(any_engine) == sorted(entry.id for entry in listed)
    assert course_links(any_engine) == expected_links(listed)


def test_late_events_inside_the_look_back_count_once_older_ones_not_at_all(
    any_engine, udp, kaltura_media, make_settings, course_ids, hour_now
):
    settings = make_settings(udp.url, kaltura_media.url)
    job.run(settings, Database(any_engine))
    before = hourly_rows(any_engine)
    late = events_at(course_ids, [hour_now - timedelta(hours=6, minutes=m) for m in (1, 2, 3)])
    too_late = events_at(course_ids, [hour_now - timedelta(days=8)], seed=8)
    udp.deliver(late + too_late)

    job.run(settings, Database(any_engine))
    job.run(settings, Database(any_engine))

    after = hourly_rows(any_engine)
    expected = dict(before)
    for key, (count, latest) in started_counts(late).items():
        old_count, old_latest = expected.get(key, (0, latest))
        expected[key] = (old_count + count, max(old_latest, latest.replace(microsecond=0)))
    assert after == expected


def test_twelve_thousand_media_created_in_one_second_load_once(
    any_engine, udp, make_settings, course_ids, hour_now
):
    bulk_second = hour_now - timedelta(days=3)
    created = same_second_media(course_ids, bulk_second, 12_000, seed=31)
    # A bulk upload becomes READY entry by entry, about 100 a second, which moves updatedAt.
    first = int(bulk_second.timestamp())
    bulk = [replace(entry, updated_at=first + n // 100) for n, entry in enumerate(created)]
    others = generate_media(
        course_ids,
        start=hour_now - timedelta(days=5),
        end=hour_now - timedelta(days=1),
        count=300,
        seed=32,
    )
    library = kaltura_api.MediaLibrary(bulk + others)
    with kaltura_api.start(
        library, partner_id=1038472, admin_secret="mivideo-test-secret"
    ) as server:
        settings = make_settings(udp.url, server.url)
        job.run(settings, Database(any_engine))
        expected = sorted(
            entry.id
            for entry in library.entries()
            if kaltura_api.in_categories(entry.categories, ["Canvas_UMich"])
        )
        assert len(expected) > 12_000
        assert media_ids(any_engine) == expected
        resumed = [call["filter"] for call in library.list_calls if "idNotIn" in call["filter"]]
        assert resumed, "the walk must have moved past the 10,000-result cap"
        # Resumed at the last second seen, minus what was seen there (at most 150 ids).
        excluded = resumed[0]["idNotIn"].split(",")
        assert first < int(resumed[0]["updatedAtGreaterThanOrEqual"]) < first + 120
        assert 0 < len(excluded) <= 150

        job.run(settings, Database(any_engine))
        assert media_ids(any_engine) == expected


@pytest.mark.slow
def test_more_than_ten_thousand_changes_in_one_second_fail_clearly(
    sqlite_engine, udp, make_settings, course_ids, hour_now
):
    bulk = same_second_media(course_ids, hour_now - timedelta(days=3), 10_050, seed=33)
    library = kaltura_api.MediaLibrary(bulk)
    with (
        kaltura_api.start(
            library, partner_id=1038472, admin_secret="mivideo-test-secret"
        ) as server,
        pytest.raises(FatalSourceError, match="cannot page past"),
    ):
        job.run(make_settings(udp.url, server.url), Database(sqlite_engine))


def assert_unchanged(engine: sa.Engine, before: dict[str, pd.DataFrame], snapshot) -> None:
    after = snapshot(engine)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)


def test_kaltura_error_after_bigquery_succeeded_leaves_all_tables_and_cursor_unchanged(
    any_engine, udp, kaltura_media, make_settings, snapshot, course_ids, hour_now
):
    job.run(make_settings(udp.url, kaltura_media.url), Database(any_engine))
    before = snapshot(any_engine)
    # New events and media: the failed run must write neither of them.
    udp.deliver(events_at(course_ids, [hour_now - timedelta(minutes=m) for m in (5, 15, 25)]))
    kaltura_media.library.add(
        generate_media(
            course_ids, start=hour_now - timedelta(hours=2), end=hour_now, count=1800, seed=41
        )
    )
    queries_before = len(udp.store.requests)
    failing = kaltura_api.start(
        kaltura_media.library,
        partner_id=1038472,
        admin_secret="mivideo-test-secret",
        fail_on_list_call=3,
    )
    with failing, pytest.raises(FatalSourceError, match="INTERNAL_SERVERERROR"):
        job.run(make_settings(udp.url, failing.url), Database(any_engine))

    assert len(udp.store.requests) > queries_before, "BigQuery answered before Kaltura failed"
    assert_unchanged(any_engine, before, snapshot)
    job.run(make_settings(udp.url, kaltura_media.url), Database(any_engine))
    assert hourly_rows(any_engine) == expected_hourly(udp.events, hour_now)
    assert media_ids(any_engine) == sorted(entry.id for entry in kaltura_media.listed())


def fail_second_query(store: bigquery_api.EventStore, monkeypatch) -> list[dict]:
    """Make the store's second event query (only) fail; returns the parameters of each one."""
    asked: list[dict] = []
    answer = store.run

    def run(sql: str, params: dict, kinds: dict | None = None) -> object:
        if "MediaEvent" not in sql:  # the column-type lookup
            return answer(sql, params, kinds)
        asked.append(params)
        if len(asked) == 2:
            raise bigquery_api.QueryError(403, "accessDenied", "Access Denied: second chunk")
        return answer(sql, params, kinds)

    monkeypatch.setattr(store, "run", run)
    return asked


def test_a_failing_second_bigquery_chunk_leaves_all_tables_and_cursor_unchanged(
    any_engine, udp, kaltura_media, make_settings, snapshot, course_ids, hour_now, monkeypatch
):
    settings = make_settings(udp.url, kaltura_media.url)
    job.run(settings, Database(any_engine))
    with any_engine.begin() as conn:  # as before the first load of events: a window of 32 days
        conn.execute(sa.text("DELETE FROM mivideo_media_started_hourly"))
    before = snapshot(any_engine)
    kaltura_media.library.add(
        generate_media(
            course_ids, start=hour_now - timedelta(hours=2), end=hour_now, count=40, seed=42
        )
    )
    asked = fail_second_query(udp.store, monkeypatch)

    with pytest.raises(SourceError, match="Access Denied: second chunk"):
        job.run(settings, Database(any_engine))

    assert len(asked) == 2
    assert asked[1]["since"] - asked[0]["since"] == timedelta(days=job.CHUNK_DAYS)
    assert_unchanged(any_engine, before, snapshot)
    job.run(settings, Database(any_engine))
    assert hourly_rows(any_engine) == expected_hourly(udp.events, hour_now)
    assert media_ids(any_engine) == sorted(entry.id for entry in kaltura_media.listed())


def test_kaltura_transport_failures_are_retried(
    any_engine, udp, make_settings, course_ids, hour_now
):
    media = generate_media(
        course_ids, start=hour_now - timedelta(days=2), end=hour_now, count=50, seed=51
    )
    with kaltura_api.start(
        media, Faults(fail_first=2), partner_id=1038472, admin_secret="mivideo-test-secret"
    ) as server:
        job.run(make_settings(udp.url, server.url), Database(any_engine))
    assert len(media_ids(any_engine)) == len(
        [e for e in media if kaltura_api.in_categories(e.categories, ["Canvas_UMich"])]
    )


def test_bigquery_error_fails_cleanly_and_the_next_run_catches_up(
    any_engine, udp, kaltura_media, make_settings, snapshot, course_ids, hour_now
):
    settings = make_settings(udp.url, kaltura_media.url)
    job.run(settings, Database(any_engine))
    before = snapshot(any_engine)
    udp.deliver(events_at(course_ids, [hour_now - timedelta(hours=3)]))
    udp.store.fail_next_query(reason="accessDenied", message="Access Denied: Table events")

    with pytest.raises(SourceError, match="Access Denied") as failure:
        job.run(settings, Database(any_engine))

    assert failure.value.source is DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS
    assert_unchanged(any_engine, before, snapshot)
    job.run(settings, Database(any_engine))
    assert hourly_rows(any_engine) == expected_hourly(udp.events, hour_now)


def test_missing_events_table_is_a_clear_fatal_error(
    sqlite_engine, udp, kaltura_media, make_settings
):
    settings = make_settings(udp.url, kaltura_media.url, events_table="udp-x.nowhere.events")
    with pytest.raises(FatalSourceError, match=r"Not found: Table udp-x\.nowhere\."):
        job.run(settings, Database(sqlite_engine))


def test_wrong_kaltura_secret_is_fatal_and_not_shown(
    sqlite_engine, udp, kaltura_media, make_settings, caplog
):
    from redaction import Secret

    settings = make_settings(udp.url, kaltura_media.url, user_secret=Secret("wrong-secret-value"))
    with pytest.raises(FatalSourceError, match="START_SESSION_ERROR") as failure:
        job.run(settings, Database(sqlite_engine))
    assert "wrong-secret-value" not in str(failure.value)
    assert "wrong-secret-value" not in caplog.text
