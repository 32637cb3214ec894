"""The BigQuery and Kaltura source clients: window moves, parameters, credentials, failures."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from mivideo import job
from sandbox.server import Faults, Response, start_server
from sources import bigquery, kaltura
from sources.kaltura import KalturaSource, MediaWindow, next_window
from vocab import FatalSourceError, RetriableSourceError


def media(media_id: str, created_at: int) -> dict:
    return {"id": media_id, "created_at": created_at}


def test_the_window_moves_to_the_last_second_and_excludes_everything_seen_there():
    seen = [media("a", 10), media("b", 20), media("c", 20)]
    assert next_window(seen, MediaWindow(5)) == MediaWindow(20, frozenset({"b", "c"}))


def test_a_window_stuck_in_one_second_keeps_growing_its_exclusions():
    current = MediaWindow(20, frozenset({"a", "b"}))
    seen = [media("a", 20), media("b", 20), media("c", 20)]
    assert next_window(seen, current) == MediaWindow(20, frozenset({"a", "b", "c"}))
    assert next_window(seen[:2], current) == current  # no progress: the caller gives up


@pytest.mark.parametrize(("value", "kind"), [
    (datetime(2024, 1, 1, tzinfo=UTC), "TIMESTAMP"), (3, "INT64"), (1.5, "FLOAT64"),
    (True, "BOOL"), ("x", "STRING"), (date(2024, 1, 1), "DATE"),
])
def test_query_parameters_are_typed_from_values(value, kind):
    parameter = bigquery.scalar_parameter("p", value)
    assert (parameter.name, parameter.type_, parameter.value) == ("p", kind, value)


def test_naive_datetimes_are_not_query_parameters():
    with pytest.raises(ValueError, match="naive"):
        bigquery.scalar_parameter("p", datetime(2024, 1, 1))  # noqa: DTZ001 - the point


def config(make_settings, udp_url="http://127.0.0.1:9", kaltura_url="http://127.0.0.1:9",
           **overrides):
    return make_settings(udp_url, kaltura_url, **overrides).mivideo


def test_production_needs_a_readable_key_file_whose_content_is_never_shown(
        make_settings, tmp_path):
    cfg = config(make_settings, bigquery_api_endpoint=None)
    with pytest.raises(FatalSourceError, match="no service-account key file"):
        bigquery.make_client(cfg)
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"type": "service_account", "private_key": "TOPSECRETKEY"}))
    with pytest.raises(FatalSourceError, match=r"key\.json") as failure:
        bigquery.make_client(replace(cfg, service_account_json=key))
    assert "TOPSECRETKEY" not in str(failure.value)


def test_sandbox_client_uses_the_endpoint_and_no_credentials(make_settings):
    client = bigquery.make_client(config(make_settings, udp_url="http://127.0.0.1:5"))
    assert client.project == "sandbox-project"
    assert client._connection.API_BASE_URL == "http://127.0.0.1:5"
    client.close()


def unused_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unreachable_bigquery_is_retriable_after_a_bounded_wait(make_settings):
    cfg = config(make_settings, udp_url=unused_port_url(), request_timeout=1.0)
    client = bigquery.make_client(cfg)
    with pytest.raises(RetriableSourceError, match="BigQuery query failed"):
        bigquery.query_frame(client, "SELECT 1", {}, timeout=cfg.request_timeout)


def test_an_unreachable_kaltura_is_retriable(make_settings):
    cfg = config(make_settings, kaltura_url=unused_port_url())
    with pytest.raises(RetriableSourceError, match=r"session.start.*after 2 attempts"):
        KalturaSource(cfg, max_attempts=2).media_created_since(0)


def test_a_non_xml_kaltura_answer_is_an_error_not_a_crash(make_settings):
    with start_server(lambda request: Response(200, {"not": "xml"}), "json-kaltura") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        with pytest.raises(RetriableSourceError, match="after 3 attempts"):
            KalturaSource(cfg, max_attempts=3).media_created_since(0)


def test_truncated_answers_are_retried_then_reported(make_settings, kaltura_media):
    from sandbox import kaltura_api

    with kaltura_api.start(kaltura_media.library, Faults(malformed_rate=1.0),
                           partner_id=1038472, admin_secret="mivideo-test-secret") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        with pytest.raises(RetriableSourceError, match=r"without a session.*after 2 attempts"):
            KalturaSource(cfg, max_attempts=2).media_created_since(0)


def test_a_truncated_media_list_is_retried(make_settings, kaltura_media):
    from sandbox import kaltura_api

    emulator = kaltura_api.KalturaEmulator(kaltura_media.library, None, partner_id=1038472,
                                           admin_secret="mivideo-test-secret")
    truncated = []

    def first_list_truncated(request):
        if request.path.endswith("/media/action/list") and not truncated:
            truncated.append(request.path)
            return Response(200, b"<xml><result><objectType>KalturaMediaListResponse</objectType>"
                                 b"<objects><item><objectType>KalturaMediaEntry</objectType>")
        return emulator(request)

    with start_server(first_list_truncated, "truncating-kaltura") as server:
        cfg = config(make_settings, kaltura_url=server.url)
        found = KalturaSource(cfg, max_attempts=2).media_created_since(0)
    assert truncated
    assert len(found) == len(kaltura_media.listed())


def test_check_reaches_both_sources_without_writing(make_settings, udp, kaltura_media):
    detail = job.check(make_settings(udp.url, kaltura_media.url))
    assert "BigQuery project sandbox-project answers" in detail
    assert f"Kaltura lists {len(kaltura_media.listed())} media" in detail


def test_no_retry_back_off_in_these_tests():
    assert kaltura.RETRY_FACTOR_S == 0.0


def test_a_bigquery_server_error_is_retried(make_settings):
    from sandbox import bigquery_api

    with bigquery_api.start([], Faults(fail_first=1)) as server:
        cfg = config(make_settings, udp_url=server.url)
        client = bigquery.make_client(cfg)
        result = bigquery.query_frame(client, "SELECT 1 AS ok", {}, timeout=cfg.request_timeout)
        client.close()
    assert result["ok"].tolist() == [1]
