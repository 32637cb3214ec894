"""The Matomo emulator answers as the real Reporting API does, refusals included."""

from __future__ import annotations

from datetime import timedelta

import requests

from sandbox.matomo import reports
from sandbox.matomo.api import BAD_TOKEN, TOKEN_IN_URL, MatomoEmulator
from sandbox.matomo.api import start as start_matomo
from sandbox.matomo.sites import SiteSpec
from sandbox.web import RunningServer
from tests.matomo_statistics.conftest import MATOMO_TOKEN, TODAY, YESTERDAY


def _post(
    server: RunningServer, token: str | None = MATOMO_TOKEN, **params: str
) -> requests.Response:
    query = {"module": "API", "format": "JSON", "idSite": "1", "period": "day", **params}
    data = {"token_auth": token} if token is not None else {}
    return requests.post(server.url, params=query, data=data, timeout=10)


def test_a_day_range_is_keyed_by_date_and_empty_days_are_lists(matomo: RunningServer) -> None:
    created = TODAY - timedelta(days=21)
    first, last = created - timedelta(days=2), created
    body = _post(matomo, method="VisitsSummary.get", idSite="2", date=f"{first},{last}").json()
    assert list(body) == [(first + timedelta(days=n)).isoformat() for n in range(3)]
    assert body[first.isoformat()] == [] and body[(first + timedelta(days=1)).isoformat()] == []
    assert body[last.isoformat()]["nb_visits"] > 0
    assert body[last.isoformat()]["bounce_rate"].endswith("%")


def test_page_urls_are_cut_at_100_rows_unless_filter_limit_says_otherwise(
    matomo: RunningServer, emulator: MatomoEmulator
) -> None:
    every = reports.page_stats(emulator.visits(1, YESTERDAY))
    assert len(every) > 100
    cut = _post(matomo, method="Actions.getPageUrls", date=str(YESTERDAY), flat="1").json()
    full = _post(
        matomo, method="Actions.getPageUrls", date=str(YESTERDAY), flat="1", filter_limit="-1"
    ).json()
    assert len(cut) == 100
    assert len(full) == len(every)
    assert {row["url"] for row in full} == set(every)


def test_the_tree_has_urls_only_on_leaves_and_flat_rows_join_labels(
    matomo: RunningServer,
) -> None:
    tree = _post(
        matomo, method="Actions.getPageUrls", date=str(YESTERDAY), filter_limit="-1"
    ).json()
    folders = [row for row in tree if "idsubdatatable" in row]
    assert {row["label"] for row in folders} >= {"courses", "login"}
    assert all("url" not in row for row in folders)
    assert {row["label"] for row in tree if "url" in row} <= {"/index"}
    courses = next(row for row in folders if row["label"] == "courses")
    sub = _post(
        matomo,
        method="Actions.getPageUrls",
        date=str(YESTERDAY),
        filter_limit="-1",
        idSubtable=str(courses["idsubdatatable"]),
    ).json()
    assert sub and all(row["label"].startswith("/") or "idsubdatatable" in row for row in sub)
    flat = _post(
        matomo, method="Actions.getPageUrls", date=str(YESTERDAY), flat="1", filter_limit="-1"
    ).json()
    modules = [row for row in flat if row["url"].endswith("/courses/500001/modules")]
    assert [row["label"] for row in modules] == ["courses/500001/modules"]


def test_counts_come_back_as_strings_and_entry_fields_only_for_entry_pages(
    matomo: RunningServer,
) -> None:
    flat = _post(
        matomo, method="Actions.getPageUrls", date=str(YESTERDAY), flat="1", filter_limit="-1"
    ).json()
    entries = [row for row in flat if "entry_nb_visits" in row]
    assert entries and all(isinstance(row["entry_nb_visits"], str) for row in entries)
    assert any("entry_nb_visits" not in row for row in flat)


def test_a_wrong_token_is_refused_with_401_on_matomo_5(matomo: RunningServer) -> None:
    answer = _post(matomo, token="wrong-token", method="VisitsSummary.get", date="yesterday")
    assert answer.status_code == 401
    assert answer.json() == {"result": "error", "message": BAD_TOKEN}


def test_matomo_4_takes_a_wrong_token_for_anonymous_with_http_200(sites: list[SiteSpec]) -> None:
    with start_matomo(MatomoEmulator(sites, MATOMO_TOKEN, today=TODAY, major_version=4)) as old:
        answer = _post(old, token="wrong-token", method="VisitsSummary.get", date="yesterday")
    assert answer.status_code == 200
    assert answer.json()["result"] == "error"
    assert "requires 'view' access for the website id = 1" in answer.json()["message"]


def test_a_token_in_the_query_string_is_refused(matomo: RunningServer) -> None:
    answer = requests.post(
        matomo.url,
        params={
            "module": "API",
            "method": "VisitsSummary.get",
            "idSite": "1",
            "period": "day",
            "date": "yesterday",
            "format": "JSON",
            "token_auth": MATOMO_TOKEN,
        },
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["message"] == TOKEN_IN_URL


def test_unknown_site_bad_date_and_missing_format(matomo: RunningServer) -> None:
    unknown = _post(matomo, method="VisitsSummary.get", idSite="99", date="yesterday").json()
    assert "unexpected website" in unknown["message"]
    bad_date = _post(matomo, method="VisitsSummary.get", date="2024-13-01").json()
    assert bad_date["result"] == "error" and "Date format" in bad_date["message"]
    xml = requests.post(
        matomo.url,
        params={
            "module": "API",
            "method": "VisitsSummary.get",
            "idSite": "1",
            "period": "day",
            "date": "yesterday",
        },
        data={"token_auth": MATOMO_TOKEN},
        timeout=10,
    )
    assert xml.text.startswith("<?xml")


def test_recent_days_grow_with_each_archiving_pass(emulator: MatomoEmulator) -> None:
    settled = TODAY - timedelta(days=emulator.recent_days + 1)
    before = len(emulator.visits(1, YESTERDAY)), len(emulator.visits(1, settled))
    emulator.rearchive()
    after = len(emulator.visits(1, YESTERDAY)), len(emulator.visits(1, settled))
    assert after[0] > before[0]
    assert after[1] == before[1]


def test_a_truncated_folder_sums_its_smallest_rows_into_others(sites: list[SiteSpec]) -> None:
    small = MatomoEmulator(sites, MATOMO_TOKEN, today=TODAY, max_subtable_rows=3)
    with start_matomo(small) as server:
        flat = _post(
            server, method="Actions.getPageUrls", date=str(YESTERDAY), flat="1", filter_limit="-1"
        ).json()
    others = [row for row in flat if "url" not in row]
    assert others and all(row["label"].endswith(" - Others") for row in others)
    total = sum(s.hits for s in reports.page_stats(small.visits(1, YESTERDAY)).values())
    assert sum(row["nb_hits"] for row in flat) == total
