"""A complete Kaltura walk: late-READY and moderated entries, privacy contexts, changed links."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from db import Database
from mivideo import job
from sandbox import kaltura as kaltura_api
from sandbox.kaltura.media import PENDING_MODERATION, PRECONVERT, READY, make_entry
from sandbox.web import RunningServer
from settings import Settings
from tests.mivideo.conftest import KALTURA_SECRET, PARTNER_ID, PREFIX


@pytest.fixture
def library(course_ids, hour_now) -> kaltura_api.MediaLibrary:
    rng = random.Random(5)
    start = int((hour_now - timedelta(days=5)).timestamp())
    entries = [
        make_entry(rng, course_ids, start + 600 * n, PREFIX, min_courses=1) for n in range(30)
    ]
    return kaltura_api.MediaLibrary(entries)


@pytest.fixture
def server(library) -> Iterator[RunningServer]:
    with kaltura_api.start(library, partner_id=PARTNER_ID, admin_secret=KALTURA_SECRET) as running:
        yield running


@pytest.fixture
def settings(make_settings, udp, server) -> Settings:
    return make_settings(udp.url, server.url)


def _media(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT id FROM mivideo_media_created")).scalars())


def _links(engine: sa.Engine) -> set[tuple[str, int, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT media_id, course_id, in_context FROM mivideo_media_courses")
        ).all()
    return {(media, int(course), bool(in_context)) for media, course, in_context in rows}


def _truth(library: kaltura_api.MediaLibrary) -> set[tuple[str, int, bool]]:
    return {
        (entry.id, course, in_context)
        for entry in library.entries()
        if entry.status == READY
        for course, in_context in entry.links
    }


def _later(library: kaltura_api.MediaLibrary, hours: int) -> int:
    return max(entry.updated for entry in library.entries()) + 3600 * hours


def test_an_entry_ready_after_the_walk_passed_is_loaded_next_night(
    sqlite_engine, library, settings
):
    converting = library.entries()[10]
    library.change(converting.id, converting.created_at, status=PRECONVERT)
    pending = library.entries()[12]
    library.change(pending.id, pending.created_at, moderation_status=PENDING_MODERATION)
    job.run(settings, Database(sqlite_engine))
    assert converting.id not in _media(sqlite_engine)
    assert pending.id not in _media(sqlite_engine)
    library.change(converting.id, _later(library, 1), status=READY)
    library.change(pending.id, _later(library, 1), moderation_status=2)
    job.run(settings, Database(sqlite_engine))
    assert {converting.id, pending.id} <= _media(sqlite_engine)
    assert _links(sqlite_engine) == _truth(library)


def test_links_under_a_root_with_a_privacy_context_are_loaded(
    sqlite_engine, course_ids, hour_now, make_settings, udp
):
    rng = random.Random(8)
    start = int((hour_now - timedelta(days=2)).timestamp())
    entries = [make_entry(rng, course_ids, start + n, PREFIX, min_courses=1) for n in range(20)]
    library = kaltura_api.MediaLibrary(entries, private_roots=[PREFIX])
    with kaltura_api.start(library, partner_id=PARTNER_ID, admin_secret=KALTURA_SECRET) as running:
        job.run(make_settings(udp.url, running.url), Database(sqlite_engine))
    # The entries' own field shows none of their course channels.
    assert not any(
        kaltura_api.in_categories(library.visible_categories(entry), [PREFIX]) for entry in entries
    )
    assert _truth(library) and _links(sqlite_engine) == _truth(library)


def test_a_course_added_later_appears_and_a_removed_one_disappears(
    sqlite_engine, library, settings, course_ids
):
    job.run(settings, Database(sqlite_engine))
    published, unpublished = library.entries()[3], library.entries()[4]
    new_course = next(c for c in course_ids if (c, False) not in published.links)
    library.change(
        published.id,
        _later(library, 1),
        categories=(*published.categories, f"{PREFIX}>site>channels>{new_course}"),
        links=published.links | {(new_course, False)},
    )
    # Moved out of its courses into another one: the old links must go.
    other = next(c for c in course_ids if all(c != course for course, _ in unpublished.links))
    library.change(
        unpublished.id,
        _later(library, 1),
        categories=(f"{PREFIX}>site>channels>{other}",),
        links=frozenset({(other, False)}),
    )
    job.run(settings, Database(sqlite_engine))
    links = _links(sqlite_engine)
    assert (published.id, new_course, False) in links
    assert {link for link in links if link[0] == unpublished.id} == {
        (unpublished.id, other, False)
    }
    assert links == _truth(library)


def test_an_expired_session_is_renewed_once_and_the_walk_goes_on(
    sqlite_engine, library, make_settings, udp
):
    with kaltura_api.start(
        library, partner_id=PARTNER_ID, admin_secret=KALTURA_SECRET, expire_on_list_call=1
    ) as running:
        job.run(make_settings(udp.url, running.url), Database(sqlite_engine))
        assert running.app.sessions_started == 2  # type: ignore[attr-defined]
    assert _media(sqlite_engine) == {entry.id for entry in library.entries()}


def test_a_rerun_changes_nothing(sqlite_engine, settings, snapshot):
    job.run(settings, Database(sqlite_engine))
    before = snapshot(sqlite_engine)
    job.run(settings, Database(sqlite_engine))
    after = snapshot(sqlite_engine)
    for table in ("mivideo_media_created", "mivideo_media_courses"):
        assert after[table].equals(before[table]), table
