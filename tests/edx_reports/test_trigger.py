"""Trigger mode end to end against the LMS emulator, on SQLite and MariaDB."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from db import Database
from edx_reports import job
from edx_reports.layouts import course_hash
from redaction import Secret
from sandbox.lms import server
from settings import OpenEdxLmsSettings as LmsSettings
from settings import ReportStoreSettings
from sources.edx_lms import LmsClient
from tests.edx_reports.conftest import CCX, DEMO, MATH, STATS
from vocab import FatalSourceError

Start = Callable[..., server.LmsServer]


def _files(database: Database) -> list[tuple[str, str, str]]:
    frame = database.query_frame(
        "SELECT course_id, report_type, status FROM edx_report_file ORDER BY 1, 2, 3"
    )
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_trigger_polls_files_parses_and_a_rerun_triggers_nothing(
    database: Database, start_lms: Start, make_settings: Callable, tmp_path: Path
) -> None:
    lms = start_lms(polls_to_finish=3)
    settings = make_settings(lms.url)
    statuses = job.run(settings, database)
    assert [s.name.value for s in statuses] == ["OPENEDX_LMS_REPORTS"]
    reports = ("grade_report", "problem_grade_report", "student_profile_info")
    assert _files(database) == sorted((c, r, "parsed") for c in (STATS, DEMO) for r in reports)
    assert len(lms.state.triggers) == 6
    assert lms.state.max_running == 1  # one LMS task at a time by default
    filed = sorted(
        p.relative_to(tmp_path / "filed").parts[0] for p in (tmp_path / "filed").rglob("*.csv")
    )
    assert filed == sorted([course_hash(STATS)] * 3 + [course_hash(DEMO)] * 3)
    cells = database.scalar(
        "SELECT COUNT(*) FROM edx_grade_report_cell WHERE course_id = :c", {"c": STATS}
    )
    assert cells == 40 * 8
    # The problem report's Lab subsections were split with the grade report's names.
    labs = database.query_frame(
        "SELECT DISTINCT subsection_name FROM edx_problem_grade_cell "
        "WHERE course_id = :c AND assignment_type = 'Lab' ORDER BY 1",
        {"c": STATS},
    )
    assert labs["subsection_name"].tolist() == ["Lab - Regression", "Lab - Setup"]

    job.run(settings, database)
    assert len(lms.state.triggers) == 6  # today's files were collected, nothing triggered
    assert database.scalar("SELECT COUNT(*) FROM edx_report_file") == 6


def test_already_running_is_waited_on_not_triggered_again(
    sqlite_engine, start_lms: Start, make_settings: Callable
) -> None:
    database = Database(sqlite_engine)
    lms = start_lms(polls_to_finish=2)
    lms.state.start_task(DEMO, "grade_course")  # an instructor started it from the dashboard
    settings = make_settings(lms.url, course_ids=(DEMO,), reports=("grade_report",))
    section = settings.edx_reports
    legacy = replace(section, lms=replace(section.lms, listing_api="legacy"))
    job.run(replace(settings, edx_reports=legacy), database)
    assert lms.state.triggers == [(DEMO, "grade_course")]
    assert len(lms.state.tasks) == 1  # the 400 answer started nothing new
    assert _files(database) == [(DEMO, "grade_report", "parsed")]


def test_a_timeout_and_an_unknown_course_are_recorded_and_the_next_course_goes_on(
    database: Database, start_lms: Start, make_settings: Callable
) -> None:
    lms = start_lms(never_finish={MATH})
    unknown = "course-v1:Nobody+Nothing+Never"
    settings = make_settings(
        lms.url, course_ids=(MATH, unknown, DEMO), reports=("grade_report",), poll_timeout_s=0.3
    )
    with pytest.raises(FatalSourceError, match="2 course report") as raised:
        job.run(settings, database)
    assert MATH in str(raised.value) and unknown in str(raised.value)
    assert _files(database) == sorted(
        [
            (DEMO, "grade_report", "parsed"),
            (MATH, "grade_report", "timed out"),
            (unknown, "grade_report", "failed"),
        ]
    )
    error = database.scalar(
        "SELECT error FROM edx_report_file WHERE course_id = :c", {"c": unknown}
    )
    assert "404" in error


def test_at_most_n_tasks_run_at_once_and_ccx_courses_are_included(
    sqlite_engine, start_lms: Start, make_settings: Callable
) -> None:
    database = Database(sqlite_engine)
    lms = start_lms(polls_to_finish=4)
    settings = make_settings(
        lms.url,
        course_ids=(STATS, MATH),
        include_ccx=True,
        reports=("grade_report", "student_profile_info"),
        max_concurrent_tasks=2,
    )
    job.run(settings, database)
    assert 1 <= lms.state.max_running <= 2
    assert {c for c, _, _ in _files(database)} == {STATS, MATH, CCX}
    only = make_settings(
        lms.url,
        course_ids=(STATS,),
        include_ccx=True,
        only_ccx=True,
        reports=("problem_grade_report",),
    )
    job.run(only, database)
    assert lms.state.triggers[-1] == (CCX, "grade_problems")


def test_by_date_layout_with_a_prefix_without_slash(
    sqlite_engine, start_lms: Start, make_settings: Callable, tmp_path: Path
) -> None:
    lms = start_lms(polls_to_finish=1)
    destination = ReportStoreSettings(local_dir=tmp_path / "filed", prefix="periodic-")
    settings = make_settings(
        lms.url,
        course_ids=(DEMO,),
        reports=("grade_report",),
        layout="by_date",
        destination=destination,
    )
    job.run(settings, Database(sqlite_engine))
    [path] = (tmp_path / "filed").rglob("*.csv")
    relative = path.relative_to(tmp_path / "filed").as_posix()
    assert relative.startswith("periodic-20") and relative.count("/") == 3


def test_token_is_renewed_after_a_401_and_bad_credentials_fail_clearly(
    start_lms: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    lms = start_lms()
    client = LmsClient(LmsSettings(lms.url, server.CLIENT_ID, Secret(server.CLIENT_SECRET)))
    assert client.downloads(DEMO) == []
    lms.state.not_before = time.time() + 0.001  # tokens issued so far now count as expired
    time.sleep(0.01)
    assert client.downloads(DEMO) == []
    assert lms.state.tokens_issued == 2 and client.tokens_fetched == 2
    wrong = LmsClient(LmsSettings(lms.url, server.CLIENT_ID, Secret("not-the-secret")))
    with pytest.raises(FatalSourceError, match="refused the OAuth client") as raised:
        wrong.downloads(DEMO)
    assert "not-the-secret" not in str(raised.value)
    assert client._token is not None and client._token not in caplog.text
    assert server.CLIENT_SECRET not in caplog.text


def test_check_reaches_the_lms_or_the_store(start_lms: Start, make_settings: Callable) -> None:
    lms = start_lms()
    assert "reachable: 0 report(s) listed" in job.check(make_settings(lms.url))
    with pytest.raises(FatalSourceError, match="refused the OAuth client"):
        job.check(make_settings(lms.url, secret="wrong-secret"))


def test_the_emulator_refuses_what_the_lms_refuses(start_lms: Start) -> None:
    lms = start_lms()
    token = requests.post(
        f"{lms.url}/oauth2/access_token",
        timeout=5,
        data={
            "grant_type": "client_credentials",
            "client_id": server.CLIENT_ID,
            "client_secret": server.CLIENT_SECRET,
            "token_type": "jwt",
        },
    ).json()["access_token"]
    auth = {"Authorization": f"JWT {token}"}
    trigger = f"{lms.url}/courses/{DEMO}/instructor/api/calculate_grades_csv"
    assert requests.get(trigger, headers=auth, timeout=5).status_code == 405
    assert requests.post(trigger, timeout=5).status_code == 401
    grant = requests.post(
        f"{lms.url}/oauth2/access_token", data={"grant_type": "password"}, timeout=5
    )
    assert (grant.status_code, grant.json()) == (400, {"error": "unsupported_grant_type"})
    assert requests.post(trigger, headers=auth, timeout=5).status_code == 200
    again = requests.post(trigger, headers={**auth, "Accept": "application/json"}, timeout=5)
    assert again.status_code == 400 and "is being created" in again.json()
    lms.state.advance(DEMO)
    lms.state.advance(DEMO)
    listed = requests.get(
        f"{lms.url}/api/instructor/v1/reports/{DEMO}", headers=auth, timeout=5
    ).json()["downloads"]
    assert len(listed) == 1
    assert requests.get(listed[0]["url"], timeout=5).status_code == 200
    assert requests.get(listed[0]["url"].split("?")[0], timeout=5).status_code == 403
