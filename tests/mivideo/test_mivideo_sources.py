"""The BigQuery and Kaltura source clients: window moves, parameters, credentials, failures."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from mivideo import job
from redaction import redact
from sandbox import bigquery as bigquery_api
from sandbox import kaltura as kaltura_api
from sandbox.web import Faults, Request, Response, start_server
from sources import bigquery, kaltura
from sources.kaltura import KalturaSource, MediaWindow, next_window
from vocab import FatalSourceError, RetriableSourceError

LIMITS = bigquery.JobLimits(10**12, {"product": "course-inventory"})


def media(media_id: str, updated_at: int) -> dict:
    return {"id": media_id, "updated_at": updated_at}


def test_the_window_moves_to_the_last_second_and_excludes_everything_seen_there():
    seen = [media("a", 10), media("b", 20), media("c", 20)]
    assert next_window(seen, MediaWindow(5)) == MediaWindow(20, frozenset({"b", "c"}))


def test_a_window_stuck_in_one_second_keeps_growing_its_exclusions():
    current = MediaWindow(20, frozenset({"a", "b"}))
    seen = [media("a", 20), media("b", 20), media("c", 20)]
    assert next_window(seen, current) == MediaWindow(20, frozenset({"a", "b", "c"}))
    assert next_window(seen[:2], current) == current  # no progress: the caller gives up


def test_past_150_ids_in_one_second_the_second_is_read_again_whole():
    # Kaltura cuts idNotIn to 150 values; a longer list would silently exclude less.
    seen = [media(f"e{n}", 30) for n in range(151)]
    assert next_window(seen, MediaWindow(5)) == MediaWindow(30)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (datetime(2024, 1, 1, tzinfo=UTC), "TIMESTAMP"),
        (3, "INT64"),
        (1.5, "FLOAT64"),
        (True, "BOOL"),
        ("x", "STRING"),
        (date(2024, 1, 1), "DATE"),
    ],
)
def test_query_parameters_are_typed_from_values(value, kind):
    parameter = bigquery.scalar_parameter("p", value)
    assert (parameter.name, parameter.type_, parameter.value) == ("p", kind, value)


def test_naive_datetimes_are_not_query_parameters():
    with pytest.raises(ValueError, match="naive"):
        bigquery.scalar_parameter("p", datetime(2024, 1, 1))  # noqa: DTZ001 - the point


def kaltura_source(cfg, attempts: int) -> KalturaSource:
    return KalturaSource(
        cfg.kaltura, cfg.categories_full_name_in, retry=kaltura.retry_policy(attempts)
    )


def config(
    make_settings, udp_url="http://127.0.0.1:9", kaltura_url="http://127.0.0.1:9", **overrides
):
    return make_settings(udp_url, kaltura_url, **overrides).mivideo


def test_production_needs_a_readable_key_file_whose_content_is_never_shown(
    make_settings, tmp_path
):
    cfg = config(make_settings, api_endpoint=None)
    with pytest.raises(FatalSourceError, match="no service-account key file"):
        bigquery.make_client(cfg.bigquery)
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"type": "service_account", "private_key": "TOPSECRETKEY"}))
    with pytest.raises(FatalSourceError, match=r"key\.json") as failure:
        bigquery.make_client(replace(cfg.bigquery, service_account_json=key))
    assert "TOPSECRETKEY" not in str(failure.value)


def test_sandbox_client_uses_the_endpoint_and_no_credentials(make_settings):
    client = bigquery.make_client(config(make_settings, udp_url="http://127.0.0.1:5").bigquery)
    assert client.project == "sandbox-project"
    assert client._connection.API_BASE_URL == "http://127.0.0.1:5"
    client.close()


def unused_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unreachable_bigquery_is_retriable_after_a_bounded_wait(make_settings):
    cfg = config(make_settings, udp_url=unused_port_url(), request_timeout=1.0)
    client = bigquery.make_client(cfg.bigquery)
    with pytest.raises(RetriableSourceError, match="BigQuery query failed"):
        bigquery.query_frame(
            client, "SELECT 1", {}, timeout=cfg.bigquery.request_timeout, limits=LIMITS
        )


def test_an_unreachable_kaltura_is_retriable_with_the_error_code_first(make_settings):
    cfg = config(make_settings, kaltura_url=unused_port_url())
    with pytest.raises(RetriableSourceError, match=r"after 2 attempts") as failure:
        kaltura_source(cfg, 2).media_updated_since(0)
    # The connection error text is long; cutting it must not lose what kind of failure it was.
    assert str(failure.value).startswith(
        "KALTURA_API: session.start: ERROR_CONNECTION_FAILED (-4): "
    )


def kaltura_error(code: str, message: str) -> Response:
    body = (
        f"<?xml version='1.0'?><xml><result><error><objectType>KalturaAPIException"
        f"</objectType><code>{code}</code><message>{message}</message><args/></error>"
        f"</result></xml>"
    )
    return Response(200, body.encode(), {"Content-Type": "text/xml"})


def test_a_long_kaltura_error_is_cut_after_its_code(make_settings):
    answer = kaltura_error("SERVICE_FORBIDDEN", "The access to service is forbidden " * 40)
    with start_server(lambda request: answer, "long-error-kaltura") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        with pytest.raises(FatalSourceError) as failure:
            kaltura_source(cfg, 2).media_updated_since(0)
    message = str(failure.value).removeprefix("KALTURA_API: ")
    assert message.startswith("session.start: SERVICE_FORBIDDEN: The access")
    assert len(message) == kaltura.MESSAGE_LIMIT


def test_the_session_key_never_shows_in_errors_or_logs(make_settings, kaltura_media, caplog):
    emulator = kaltura_api.KalturaEmulator(
        kaltura_media.library, None, partner_id=1038472, admin_secret="mivideo-test-secret"
    )
    sent: list[str] = []

    def expired_session(request: Request) -> Response:
        if not request.path.endswith("/media/action/list"):
            return emulator(request)
        sent.append((request.json() or {})["ks"])
        # Kaltura quotes the whole KS when it refuses one.
        return kaltura_error("INVALID_KS", f'Invalid KS "{sent[-1]}" Error: -1,EXPIRED')

    with start_server(expired_session, "expiring-kaltura") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        with pytest.raises(FatalSourceError) as failure:
            kaltura_source(cfg, 2).media_updated_since(0)
    assert str(failure.value) == (
        'KALTURA_API: media.list: INVALID_KS: Invalid KS "***" Error: -1,EXPIRED'
    )
    assert sent and sent[0] not in str(failure.value)
    assert sent[0] not in caplog.text
    assert redact(f"key {sent[0]}") == "key ***"


def test_a_non_xml_kaltura_answer_is_an_error_not_a_crash(make_settings):
    with start_server(lambda request: Response(200, {"not": "xml"}), "json-kaltura") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        with pytest.raises(RetriableSourceError, match="after 3 attempts"):
            kaltura_source(cfg, 3).media_updated_since(0)


def test_truncated_answers_are_retried_then_reported(make_settings, kaltura_media):
    with kaltura_api.start(
        kaltura_media.library,
        Faults(malformed_rate=1.0),
        partner_id=1038472,
        admin_secret="mivideo-test-secret",
    ) as server:
        cfg = config(make_settings, kaltura_url=server.url)
        with pytest.raises(RetriableSourceError, match=r"without a session.*after 2 attempts"):
            kaltura_source(cfg, 2).media_updated_since(0)


def test_a_truncated_media_list_is_retried(make_settings, kaltura_media):
    emulator = kaltura_api.KalturaEmulator(
        kaltura_media.library, None, partner_id=1038472, admin_secret="mivideo-test-secret"
    )
    truncated = []

    def first_list_truncated(request):
        if request.path.endswith("/media/action/list") and not truncated:
            truncated.append(request.path)
            return Response(
                200,
                b"<xml><result><objectType>KalturaMediaListResponse</objectType>"
                b"<objects><item><objectType>KalturaMediaEntry</objectType>",
            )
        return emulator(request)

    with start_server(first_list_truncated, "truncating-kaltura") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        found = kaltura_source(cfg, 2).media_updated_since(0)
    assert truncated
    assert len(found) == len(kaltura_media.listed())


def listing(make_settings, library, **faults) -> list[dict]:
    with kaltura_api.start(
        library, partner_id=1038472, admin_secret="mivideo-test-secret", **faults
    ) as server:
        cfg = config(make_settings, kaltura_url=server.url)
        return kaltura_source(cfg, 2).media_updated_since(0)


def test_a_cut_off_page_without_total_count_is_retried_not_taken_as_the_last(
    make_settings, kaltura_media
):
    found = listing(make_settings, kaltura_media.library, cut_list_calls={1})
    assert sorted(entry["id"] for entry in found) == sorted(e.id for e in kaltura_media.listed())
    pages = [call["pager"]["pageIndex"] for call in kaltura_media.library.list_calls]
    assert pages == ["1", "1", "2"]


def test_a_short_page_is_retried_and_one_that_stays_short_fails_clearly(
    make_settings, kaltura_media
):
    listed = kaltura_media.listed()
    assert len(listed) > kaltura.PAGE_SIZE, "needs a second page"
    found = listing(make_settings, kaltura_media.library, short_list_calls={2})
    assert len(found) == len(listed)

    short = rf"the page ended after 250 of {len(listed)} entries.*after 2 attempts"
    with pytest.raises(RetriableSourceError, match=short):
        listing(make_settings, kaltura_media.library, short_list_calls=range(1, 10))


def test_only_the_clients_own_parse_crash_counts_as_a_bad_answer(
    make_settings, kaltura_media, monkeypatch
):
    def buggy(*args):
        raise AttributeError("'KalturaMediaListResponse' object has no attribute 'total'")

    monkeypatch.setattr(kaltura, "_checked", buggy)
    with pytest.raises(AttributeError, match="no attribute 'total'"):
        listing(make_settings, kaltura_media.library)
    assert len(kaltura_media.library.list_calls) == 1, "a bug is not retried"


def test_check_reaches_both_sources_without_writing(make_settings, udp, kaltura_media):
    detail = job.check(make_settings(udp.url, kaltura_media.url))
    assert f"BigQuery {bigquery_api.EXPANDED_TABLE} (" in detail and "would scan" in detail
    assert f"Kaltura lists {len(kaltura_media.listed())} media" in detail


def test_retries_back_off_exponentially_and_these_tests_turn_the_wait_off(
    make_settings, kaltura_media, monkeypatch
):
    waits: list[float] = []
    monkeypatch.setattr(kaltura, "time", SimpleNamespace(sleep=waits.append))
    for factor in (0.0, 1.0):
        monkeypatch.setattr(kaltura, "RETRY_FACTOR_S", factor)
        with kaltura_api.start(
            kaltura_media.library,
            Faults(fail_first=2),
            partner_id=1038472,
            admin_secret="mivideo-test-secret",
        ) as server:
            cfg = config(make_settings, kaltura_url=server.url)
            kaltura_source(cfg, 3).count_media()
    # The autouse fixture's factor 0 means no wait at all; the real factor doubles each time.
    assert waits[:2] == [0.0, 0.0]
    assert 1.0 <= waits[2] < 2.0 <= waits[3] < 3.0


def test_a_bigquery_server_error_is_retried(make_settings):
    with bigquery_api.start([], Faults(fail_first=1)) as server:
        cfg = config(make_settings, udp_url=server.url)
        client = bigquery.make_client(cfg.bigquery)
        result = bigquery.query_frame(
            client, "SELECT 1 AS ok", {}, timeout=cfg.bigquery.request_timeout, limits=LIMITS
        )
        client.close()
    assert result["ok"].tolist() == [1]
