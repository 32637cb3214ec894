"""The MIVIDEO tables must not depend on the container's local zone (upstream defect W7)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from db import Database
from mivideo import job
from mivideo.job import CURSOR
from sandbox.bigquery.events import events_at
from sandbox.kaltura.media import generate_media


def run_twice(engine, udp, kaltura_media, settings, course_ids, hour_now):
    """A first run, then new media just after the last one, late events, and a second run.

    The second run resumes from max(created_at) read back from the table (the cursor row is
    removed), the path where a naive datetime's .timestamp() once moved the window 4-5 h ahead.
    """
    job.run(settings, Database(engine))
    with engine.begin() as conn:
        last = conn.execute(sa.text("SELECT MAX(created_at) FROM mivideo_media_created")).scalar()
        conn.execute(sa.text("DELETE FROM etl_cursor WHERE name = :name"), {"name": CURSOR})
    last_utc = pd.Timestamp(last).tz_localize(UTC).to_pydatetime()
    kaltura_media.library.add(
        generate_media(
            course_ids,
            start=last_utc + timedelta(seconds=1),
            end=last_utc + timedelta(hours=3),
            count=30,
            seed=61,
        )
    )
    udp.deliver(events_at(course_ids, [hour_now - timedelta(hours=7, minutes=5)], seed=62))
    job.run(settings, Database(engine))


def test_detroit_and_utc_processes_load_identical_tables(
    any_engine,
    course_ids,
    hour_now,
    make_settings,
    snapshot,
    wipe,
    process_timezone,
    fresh_sources,
):
    results = {}
    for zone in ("America/Detroit", "UTC"):
        wipe(any_engine)
        udp, kaltura_media = fresh_sources()
        settings = make_settings(udp.url, kaltura_media.url)
        with process_timezone(zone):
            if zone != "UTC":
                assert time.localtime(0).tm_hour != 0, "TZ did not take effect"
            run_twice(any_engine, udp, kaltura_media, settings, course_ids, hour_now)
        results[zone] = snapshot(any_engine, with_ids=False)
        listed = {entry.id for entry in kaltura_media.listed()}
        assert set(results[zone]["mivideo_media_created"]["id"]) == listed

    for table, frame in results["UTC"].items():
        pd.testing.assert_frame_equal(results["America/Detroit"][table], frame, obj=table)


def test_process_timezone_is_restored(process_timezone):
    before = time.localtime(0)
    with process_timezone("Asia/Kolkata"):
        assert time.localtime(0).tm_min == 30
    assert time.localtime(0) == before
    assert datetime.fromtimestamp(0, UTC).hour == 0
