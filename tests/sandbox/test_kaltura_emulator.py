"""The Kaltura emulator against the real KalturaApiClient: sessions, media.list filters, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaClientException, KalturaException
from KalturaClient.Plugins.Core import (
    KalturaFilterPager,
    KalturaMediaEntryFilter,
    KalturaMediaEntryOrderBy,
    KalturaSessionType,
)

from sandbox import kaltura as kaltura_api
from sandbox.kaltura.media import MediaEntry
from sandbox.web import Faults, start_server

PARTNER, SECRET = 4321, "emulator-secret"


def entry(entry_id: str, created_at: int, *categories: str, name: str = "Video") -> MediaEntry:
    return MediaEntry(entry_id, name, created_at, 60, tuple(categories))


MEDIA = [
    entry("1_a", 100, "Canvas_UMich>site>channels>11"),
    entry("1_b", 100, "Canvas_UMich>site>channels>12>InContext", "MediaSpace>x"),
    entry("1_c", 200, "Canvas_UMich_Archive>site>channels>13"),
    entry("1_d", 300, "Canvas_UMich"),
    entry("1_e", 400, "Elsewhere>Canvas_UMich>site"),
    entry("1_f", 500, "Canvas_UMich>site>galleries>x", name="Tom & Jerry <live>"),
]


@pytest.fixture
def library() -> kaltura_api.MediaLibrary:
    return kaltura_api.MediaLibrary(MEDIA)


def connect(url: str) -> KalturaClient:
    client = KalturaClient(KalturaConfiguration(serviceUrl=url))
    client.setKs(client.session.start(SECRET, None, KalturaSessionType.ADMIN, PARTNER))
    return client


@pytest.fixture
def client(library: kaltura_api.MediaLibrary) -> Iterator[KalturaClient]:
    with kaltura_api.start(library, partner_id=PARTNER, admin_secret=SECRET) as server:
        yield connect(server.url)


def list_media(
    client: KalturaClient, page_size: int = 500, page_index: int = 1, **criteria: object
):
    media_filter = KalturaMediaEntryFilter()
    media_filter.orderBy = KalturaMediaEntryOrderBy.CREATED_AT_ASC
    for name, value in criteria.items():
        setattr(media_filter, name, value)
    pager = KalturaFilterPager()
    pager.pageSize, pager.pageIndex = page_size, page_index
    return client.media.list(media_filter, pager)


def test_a_wrong_secret_cannot_start_a_session(library):
    with kaltura_api.start(library, partner_id=PARTNER, admin_secret=SECRET) as server:
        client = KalturaClient(KalturaConfiguration(serviceUrl=server.url))
        with pytest.raises(KalturaException) as failure:
            client.session.start("nope", None, KalturaSessionType.ADMIN, PARTNER)
        assert failure.value.code == "START_SESSION_ERROR"
        assert "nope" not in str(failure.value)
        with pytest.raises(KalturaException, match="INVALID_KS"):
            list_media(client)


def test_category_names_match_themselves_and_their_descendants_only(client):
    found = list_media(client, categoriesFullNameIn="Canvas_UMich")
    by_id = {item.id: item for item in found.objects}
    assert sorted(by_id) == ["1_a", "1_b", "1_d", "1_f"]
    assert found.totalCount == 4
    assert [item.createdAt for item in found.objects] == [100, 100, 300, 500]
    assert by_id["1_f"].name == "Tom & Jerry <live>"
    assert by_id["1_b"].categories == "Canvas_UMich>site>channels>12>InContext,MediaSpace>x"


def test_created_at_and_id_not_in_filters(client):
    found = list_media(
        client,
        categoriesFullNameIn="Canvas_UMich",
        createdAtGreaterThanOrEqual=100,
        idNotIn="1_a,1_zzz",
    )
    assert [(item.id, item.createdAt) for item in found.objects] == [
        ("1_b", 100),
        ("1_d", 300),
        ("1_f", 500),
    ]


def test_pages_are_at_most_500_and_the_10000th_match_is_the_last(library):
    library.add(entry(f"1_{n:05d}", 1000 + n, "Canvas_UMich>site>channels>1") for n in range(1200))
    with kaltura_api.start(library, partner_id=PARTNER, admin_secret=SECRET) as server:
        client = connect(server.url)
        assert len(list_media(client, page_size=800).objects) == 500
        assert len(list_media(client, page_size=500, page_index=3).objects) == 1206 - 1000
        with pytest.raises(KalturaException) as failure:
            list_media(client, page_size=500, page_index=21)
        assert failure.value.code == "QUERY_EXCEEDED_MAX_MATCHES_ALLOWED"


def test_the_nth_list_call_can_be_made_to_fail(library):
    with kaltura_api.start(
        library, partner_id=PARTNER, admin_secret=SECRET, fail_on_list_call=2
    ) as server:
        client = connect(server.url)
        list_media(client)
        with pytest.raises(KalturaException, match="INTERNAL_SERVERERROR"):
            list_media(client)
        assert len(list_media(client).objects) == len(MEDIA)
    assert len(library.list_calls) == 3


def test_chosen_list_calls_can_answer_short_or_cut_off_pages(library):
    with kaltura_api.start(
        library, partner_id=PARTNER, admin_secret=SECRET, short_list_calls={1}, cut_list_calls={2}
    ) as server:
        client = connect(server.url)
        short = list_media(client)
        cut = list_media(client)
        whole = list_media(client)
    assert (len(short.objects), short.totalCount) == (len(MEDIA) // 2, len(MEDIA))
    # The client's lenient parser keeps the entries before the cut but finds no totalCount.
    assert [item.id for item in cut.objects] == [item.id for item in whole.objects][:3]
    assert cut.totalCount is NotImplemented
    assert (len(whole.objects), whole.totalCount) == (len(MEDIA), len(MEDIA))


def test_server_errors_are_html_as_behind_a_proxy(library):
    with kaltura_api.start(
        library, Faults(fail_first=1), partner_id=PARTNER, admin_secret=SECRET
    ) as server:
        client = KalturaClient(KalturaConfiguration(serviceUrl=server.url))
        with pytest.raises(KalturaClientException) as failure:
            client.session.start(SECRET, None, KalturaSessionType.ADMIN, PARTNER)
        assert failure.value.code == KalturaClientException.ERROR_RESULT_NOT_FOUND
        assert client.session.start(SECRET, None, KalturaSessionType.ADMIN, PARTNER)


def test_requests_are_counted_by_endpoint(library):
    app = kaltura_api.KalturaEmulator(library, None, partner_id=PARTNER, admin_secret=SECRET)
    with start_server(app, "kaltura") as server:
        found = list_media(connect(server.url))
    assert app.stats.requests == {
        "POST /api_v3/service/session/action/start": 1,
        "POST /api_v3/service/media/action/list": 1,
    }
    assert app.stats.items["POST /api_v3/service/media/action/list"] == len(found.objects)
