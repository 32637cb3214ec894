"""CANVAS_LTI end to end: Canvas emulator -> job -> lti_placement on SQLite and MariaDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pandas as pd
import pytest

from canvas_lti import job
from db import Database
from sandbox import canvas as canvas_api
from sandbox.canvas import CanvasServer
from sandbox.university import University
from sandbox.university.generator import COURSE_ID_BASE, FALL_TERM, WINTER_TERM, build_university
from sandbox.web import Response
from settings import CanvasSettings, Settings
from vocab import DataSourceName, JobName, LoadError

TOKEN = "lti-test-canvas-token"
EMPTY_TERM = 199  # a term that exists but holds no course
ZOOM, BLUEJEANS, PIAZZA, GRADESCOPE = 25194, 4352, 1234, 5678
MISSING_COURSE = 987_654
DELETED_COURSE = COURSE_ID_BASE + 9  # pinned course 8 of the generator is deleted
WINTER_UNPUBLISHED = COURSE_ID_BASE + 10  # pinned course 9: created, not published


@pytest.fixture(scope="module")
def university() -> University:
    uni = build_university("tiny")
    empty = {
        "id": EMPTY_TERM,
        "name": "Summer 2027",
        "sis_term_id": None,
        "start_at": None,
        "end_at": None,
        "workflow_state": "active",
    }
    uni.terms.append(empty)
    uni.term_by_id[EMPTY_TERM] = empty
    return uni


@pytest.fixture
def server(university: University) -> Iterator[CanvasServer]:
    with canvas_api.start(university, token=TOKEN) as running:
        yield running


@pytest.fixture
def add_course_ids(university: University) -> tuple[int, ...]:
    restricted = min(university.restricted_course_ids)
    return (
        MISSING_COURSE,
        DELETED_COURSE,
        WINTER_UNPUBLISHED,
        restricted,
        university.showcase_course_id,
    )


@pytest.fixture
def settings(
    server: CanvasServer,
    add_course_ids: tuple[int, ...],
    job_settings: Callable[..., Settings],
    canvas_config: Callable[..., CanvasSettings],
) -> Settings:
    canvas = canvas_config(server.url, TOKEN, (FALL_TERM, WINTER_TERM, EMPTY_TERM), add_course_ids)
    return job_settings(JobName.CANVAS_LTI, canvas=canvas)


def _table(database: Database) -> pd.DataFrame:
    return database.query_frame(
        "SELECT id, course_id, account_id, course_name, placement_type_id, visibility "
        "FROM lti_placement "
        "ORDER BY id"
    )


def _pairs(frame: pd.DataFrame) -> set[tuple[int, int]]:
    return {
        (int(c), int(t))
        for c, t in zip(frame["course_id"], frame["placement_type_id"], strict=True)
    }


def _ids(frame: pd.DataFrame) -> dict[tuple[int, int], int]:
    return {(int(r.course_id), int(r.placement_type_id)): int(r.id) for r in frame.itertuples()}


def _tabs_path(course_id: int) -> str:
    return f"/api/v1/courses/{course_id}/tabs"


def test_placements_equal_generator_truth(
    settings: Settings,
    database: Database,
    server: CanvasServer,
    university: University,
    add_course_ids: tuple[int, ...],
) -> None:
    statuses = job.run(settings, database)
    table = _table(database)
    expected = university.expected_lti_placements((FALL_TERM, WINTER_TERM), add_course_ids)
    assert expected and _pairs(table) == expected
    assert table["id"].is_unique
    for row in table.itertuples():
        course = university.course_by_id[row.course_id]
        assert (row.account_id, row.course_name) == (course["account_id"], course["name"])
        tab_id = f"context_external_tool_{row.placement_type_id}"
        tab = next(t for t in university.tabs[row.course_id] if t["id"] == tab_id)
        assert row.visibility == tab["visibility"]
    assert set(table["visibility"]) <= {"public", "members", "admins"}
    assert [s.name for s in statuses] == [DataSourceName.CANVAS_LTI]
    assert database.rows_written == {"lti_placement": len(expected)}
    assert server.stats.requests["GET courses/:id/tabs"] == len(
        _course_ids(university, add_course_ids)
    )


def _course_ids(university: University, add_course_ids: tuple[int, ...]) -> set[int]:
    """Courses whose tabs the job reads: published in the terms, plus usable added ones."""
    listed = {
        c["id"]
        for c in university.courses_under(1)
        if c["enrollment_term_id"] in (FALL_TERM, WINTER_TERM)
        and c["workflow_state"] == "available"
    }
    added = {
        c
        for c in add_course_ids
        if c in university.tabs and c not in university.restricted_course_ids
    }
    return listed | added


def test_rerun_changes_nothing(settings: Settings, database: Database) -> None:
    job.run(settings, database)
    first = _table(database)
    job.run(settings, database)
    pd.testing.assert_frame_equal(_table(database), first)


def test_ids_follow_pairs_and_are_never_reused(
    settings: Settings, database: Database, server: CanvasServer, university: University
) -> None:
    job.run(settings, database)
    first = _ids(_table(database))
    gone = next(pair for pair in sorted(first) if pair[1] == ZOOM)
    newcomer = next(c for c in sorted(_course_ids(university, ())) if (c, ZOOM) not in first)
    zoom_tab = {"id": f"context_external_tool_{ZOOM}", "label": "Zoom", "type": "external"}
    server.api.fault_paths[_tabs_path(gone[0])] = Response(200, [])
    server.api.fault_paths[_tabs_path(newcomer)] = Response(200, [zoom_tab])
    job.run(settings, database)
    second = _ids(_table(database))
    assert gone not in second
    assert second[(newcomer, ZOOM)] == max(first.values()) + 1
    assert {k: v for k, v in second.items() if k in first} == {
        k: v for k, v in first.items() if k in second
    }
    server.api.fault_paths.clear()
    job.run(settings, database)
    third = _ids(_table(database))
    assert third[gone] == max(second.values()) + 1  # back, under a new id
    assert (newcomer, ZOOM) not in third


def test_hidden_tabs_and_unknown_tools_are_skipped(
    settings: Settings, database: Database, university: University
) -> None:
    showcase = university.showcase_course_id
    job.run(settings, database)
    assert {t for c, t in _pairs(_table(database)) if c == showcase} == {ZOOM}
    with database.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO lti_type (canvas_id, des) VALUES ({PIAZZA}, 'Piazza'), "
            f"({GRADESCOPE}, 'Gradescope')"
        )
    job.run(settings, database)
    assert {t for c, t in _pairs(_table(database)) if c == showcase} == {ZOOM, PIAZZA}
    assert database.scalar("SELECT COUNT(*) FROM lti_type") == 4


def test_course_without_tabs_or_gone_is_fine(
    settings: Settings, sqlite_database: Database, server: CanvasServer, university: University
) -> None:
    showcase = university.showcase_course_id
    gone = next(c for c in sorted(_course_ids(university, ())) if c != showcase)
    server.api.fault_paths[_tabs_path(showcase)] = Response(200, [])
    server.api.fault_paths[_tabs_path(gone)] = Response(
        404, {"errors": [{"message": "The specified resource does not exist."}]}
    )
    job.run(settings, sqlite_database)
    courses = {c for c, _ in _pairs(_table(sqlite_database))}
    assert courses and not {showcase, gone} & courses


def test_empty_term_gives_an_empty_table(
    sqlite_database: Database, server: CanvasServer, settings: Settings
) -> None:
    assert settings.canvas is not None
    empty = replace(
        settings, canvas=replace(settings.canvas, term_ids=(EMPTY_TERM,), add_course_ids=())
    )
    assert [s.name for s in job.run(empty, sqlite_database)] == [DataSourceName.CANVAS_LTI]
    assert _table(sqlite_database).empty
    assert server.stats.requests.get("GET courses/:id/tabs", 0) == 0


def test_collapse_to_empty_is_refused_by_the_guard(database: Database, settings: Settings) -> None:
    job.run(settings, database)
    before = _table(database)
    assert settings.canvas is not None
    empty = replace(
        settings, canvas=replace(settings.canvas, term_ids=(EMPTY_TERM,), add_course_ids=())
    )
    with pytest.raises(LoadError, match="refusing"):
        job.run(empty, database)
    pd.testing.assert_frame_equal(_table(database), before)


def test_no_known_tools_reads_nothing_from_canvas(
    sqlite_database: Database, server: CanvasServer, settings: Settings
) -> None:
    with sqlite_database.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM lti_type")
    job.run(settings, sqlite_database)
    assert _table(sqlite_database).empty and server.stats.total_requests == 0


def test_check_reads_a_course_page_and_one_course_tabs(
    settings: Settings, server: CanvasServer
) -> None:
    reached = job.check(settings)
    assert "tabs readable" in reached
    counts = server.stats.requests
    assert counts["GET accounts/:id/courses"] == 1 and counts["GET courses/:id/tabs"] == 1
