"""MATOMO_STATISTICS end to end: Matomo emulator -> job -> matomo_* tables, SQLite and MariaDB."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from db import Database
from matomo_statistics import job, transform
from matomo_statistics.window import cursor_name
from sandbox.matomo import reports
from sandbox.matomo.api import MatomoEmulator
from settings import MatomoStatisticsSettings
from tests.matomo_statistics.conftest import MATOMO_TOKEN, TODAY, YESTERDAY
from vocab import DataSourceName, DataSourceStatus, FatalSourceError

Config = Callable[..., MatomoStatisticsSettings]
VISIT_COLUMNS = ", ".join(c for c in transform.VISIT_COLUMNS if c != "loaded_at")
PAGE_COLUMNS = ", ".join(c for c in transform.PAGE_COLUMNS if c != "loaded_at")


def _visits(db: Database) -> pd.DataFrame:
    frame = db.query_frame(
        f"SELECT {VISIT_COLUMNS} FROM matomo_visits_day ORDER BY site_id, visit_date"
    )
    frame["visit_date"] = pd.to_datetime(frame["visit_date"]).dt.date
    return frame


def _pages(db: Database) -> pd.DataFrame:
    frame = db.query_frame(
        f"SELECT {PAGE_COLUMNS} FROM matomo_page_day ORDER BY site_id, visit_date, url_hash"
    )
    frame["visit_date"] = pd.to_datetime(frame["visit_date"]).dt.date
    return frame


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _assert_matches_emulator(
    db: Database, emulator: MatomoEmulator, site: int, days: list[date]
) -> None:
    """Every stored count equals what the emulator's visits add up to now."""
    visits = _visits(db).set_index(["site_id", "visit_date"])
    pages = _pages(db)
    for day in days:
        served = emulator.visits(site, day)
        truth = reports.visits_summary(served)
        row = visits.loc[(site, day)]
        assert row["nb_visits"] == len(served)
        assert row["nb_actions"] == truth.get("nb_actions", 0)
        assert row["sum_visit_length"] == truth.get("sum_visit_length", 0)
        assert row["nb_visits_new"] + row["nb_visits_returning"] == len(served)
        if served:
            assert row["bounce_rate"] == pytest.approx(
                truth["bounce_count"] / len(served), abs=0.006
            )
        stats = {url: s for url, s in reports.page_stats(served).items() if "/login/" not in url}
        stored = pages[(pages["site_id"] == site) & (pages["visit_date"] == day)]
        assert dict(zip(stored["url"], stored["nb_hits"], strict=True)) == {
            url: s.hits for url, s in stats.items()
        }
        assert int(stored["entry_nb_visits"].sum()) == sum(s.entries for s in stats.values())


def test_first_run_loads_the_look_back_for_every_site(
    matomo_config: Config, database: Database, emulator: MatomoEmulator
) -> None:
    statuses = job.load(matomo_config(LOOKBACK_DAYS=4), database, today=TODAY)
    days = _days(YESTERDAY - timedelta(days=3), YESTERDAY)
    for site in (1, 2):
        _assert_matches_emulator(database, emulator, site, days)
    assert sorted(set(_visits(database)["visit_date"])) == days
    assert database.get_cursor(cursor_name(1)) == f"{days[0]}/{YESTERDAY}"
    assert statuses == [
        DataSourceStatus(DataSourceName.MATOMO_API, datetime(2024, 5, 20, tzinfo=UTC))
    ]


def test_rerun_the_same_day_changes_nothing(matomo_config: Config, database: Database) -> None:
    cfg = matomo_config(LOOKBACK_DAYS=3)
    job.load(cfg, database, today=TODAY)
    visits, pages = _visits(database), _pages(database)
    job.load(cfg, database, today=TODAY)
    pd.testing.assert_frame_equal(_visits(database), visits)
    pd.testing.assert_frame_equal(_pages(database), pages)


def test_a_re_archived_day_is_corrected_and_older_days_are_kept(
    matomo_config: Config, database: Database, emulator: MatomoEmulator
) -> None:
    job.load(matomo_config(LOOKBACK_DAYS=6, SITE_IDS=[1]), database, today=TODAY)
    old_day = YESTERDAY - timedelta(days=5)
    kept = _pages(database)[lambda f: f["visit_date"] == old_day].reset_index(drop=True)
    stale = int(
        _visits(database).query("site_id == 1 and visit_date == @YESTERDAY")["nb_visits"].iloc[0]
    )
    emulator.rearchive()
    job.load(matomo_config(LOOKBACK_DAYS=2, SITE_IDS=[1]), database, today=TODAY)
    fresh = _visits(database).query("site_id == 1 and visit_date == @YESTERDAY")
    assert int(fresh["nb_visits"].iloc[0]) == len(emulator.visits(1, YESTERDAY)) > stale
    _assert_matches_emulator(database, emulator, 1, [YESTERDAY - timedelta(days=1), YESTERDAY])
    pd.testing.assert_frame_equal(
        _pages(database)[lambda f: f["visit_date"] == old_day].reset_index(drop=True), kept
    )


def test_a_missed_night_is_filled_in_the_next_run(
    matomo_config: Config, sqlite_engine: object, emulator: MatomoEmulator
) -> None:
    database = Database(sqlite_engine)  # type: ignore[arg-type]
    cfg = matomo_config(LOOKBACK_DAYS=1, SITE_IDS=[2])
    job.load(cfg, database, today=TODAY - timedelta(days=3))
    job.load(cfg, database, today=TODAY)
    days = _days(TODAY - timedelta(days=4), YESTERDAY)
    assert sorted(_visits(database)["visit_date"]) == days
    assert database.get_cursor(cursor_name(2)) == f"{days[0]}/{YESTERDAY}"


def test_a_backfill_takes_a_handful_of_requests_per_site(
    matomo_config: Config, database: Database, emulator: MatomoEmulator
) -> None:
    start = TODAY - timedelta(days=60)
    cfg = matomo_config(SITE_IDS=[2, 3], BACKFILL_START=start.isoformat())
    job.load(cfg, database, today=TODAY)
    # Per site: one summary, one frequency and two page requests (31 days each) for 60 days.
    for site in (2, 3):
        assert emulator.calls[("VisitsSummary.get", site)] == 1
        assert emulator.calls[("VisitFrequency.get", site)] == 1
        assert emulator.calls[("Actions.getPageUrls", site)] == 2
    assert emulator.requests == 8
    visits = _visits(database)
    assert len(visits) == 2 * 60
    created = TODAY - timedelta(days=21)
    before = visits[(visits["site_id"] == 2) & (visits["visit_date"] < created)]
    assert len(before) == 39 and int(before["nb_visits"].sum()) == 0
    _assert_matches_emulator(database, emulator, 3, [start, start + timedelta(days=31)])


def test_a_backfill_start_added_later_fills_the_older_days(
    matomo_config: Config, sqlite_engine: object, emulator: MatomoEmulator
) -> None:
    database = Database(sqlite_engine)  # type: ignore[arg-type]
    job.load(matomo_config(LOOKBACK_DAYS=2, SITE_IDS=[1]), database, today=TODAY)
    start = TODAY - timedelta(days=10)
    job.load(
        matomo_config(LOOKBACK_DAYS=2, SITE_IDS=[1], BACKFILL_START=start.isoformat()),
        database,
        today=TODAY,
    )
    assert sorted(_visits(database)["visit_date"]) == _days(start, YESTERDAY)
    assert emulator.calls[("VisitsSummary.get", 1)] == 2  # one per run: the gap and the tail


def test_course_ids_come_from_urls_and_skipped_urls_stay_out(
    matomo_config: Config, sqlite_engine: object
) -> None:
    database = Database(sqlite_engine)  # type: ignore[arg-type]
    job.load(
        matomo_config(LOOKBACK_DAYS=1, SKIP_URL_PATTERNS=[r"/login/", r"/profile/"]),
        database,
        today=TODAY,
    )
    pages = _pages(database)
    assert not pages["url"].str.contains("/login/|/profile/").any()
    courses = pages.dropna(subset=["course_id"])
    assert len(courses) and all(
        f"/courses/{int(c)}" in url
        for c, url in zip(courses["course_id"], courses["url"], strict=True)
    )
    others = pages[pages["course_id"].isna()]
    assert not others["url"].str.contains("/courses/").any()


def test_a_wrong_token_fails_clearly_writes_nothing_and_is_never_logged(
    matomo_config: Config, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    job.load(matomo_config(LOOKBACK_DAYS=2, SITE_IDS=[1]), database, today=TODAY)
    before = _visits(database)
    wrong = "wrong-token-5e5e5e"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(FatalSourceError) as raised:
        job.load(matomo_config(TOKEN_AUTH=wrong), database, today=TODAY + timedelta(days=1))
    message = str(raised.value)
    assert "MATOMO.TOKEN_AUTH" in message and "HTTP 401" in message
    assert wrong not in message and wrong not in caplog.text
    assert MATOMO_TOKEN not in caplog.text
    pd.testing.assert_frame_equal(_visits(database), before)
    assert database.get_cursor(cursor_name(1)) == f"{YESTERDAY - timedelta(days=1)}/{YESTERDAY}"


def test_an_unknown_site_names_the_key_to_fix(
    matomo_config: Config, sqlite_engine: object
) -> None:
    database = Database(sqlite_engine)  # type: ignore[arg-type]
    with pytest.raises(FatalSourceError, match=r"site id 9 does not exist.*MATOMO\.SITE_IDS"):
        job.load(matomo_config(SITE_IDS=[1, 9]), database, today=TODAY)
    assert database.scalar("SELECT COUNT(*) FROM matomo_visits_day") == 0


@pytest.mark.parametrize("emulator_options", [{"max_subtable_rows": 3}])
def test_others_rows_of_a_truncated_archive_are_left_out(
    matomo_config: Config, sqlite_engine: object, emulator: MatomoEmulator
) -> None:
    database = Database(sqlite_engine)  # type: ignore[arg-type]
    job.load(
        matomo_config(LOOKBACK_DAYS=1, SITE_IDS=[1], SKIP_URL_PATTERNS=[]), database, today=TODAY
    )
    stored = _pages(database)
    every = reports.page_stats(emulator.visits(1, YESTERDAY))
    assert 0 < len(stored) < len(every)
    assert stored["url"].isin(list(every)).all()
    assert all(
        int(h) == every[u].hits for u, h in zip(stored["url"], stored["nb_hits"], strict=True)
    )
