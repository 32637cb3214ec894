"""The Matomo client against the emulator: ranges in chunks, retries, refusals made clear."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest

from matomo_statistics import job
from sandbox.matomo.api import MatomoEmulator
from sandbox.matomo.api import start as start_matomo
from sandbox.matomo.sites import SiteSpec
from sandbox.web import Faults, RunningServer
from settings import MatomoStatisticsSettings, Settings
from sources.matomo import MatomoClient
from sources.retry import RetryPolicy
from tests.matomo_statistics.conftest import MATOMO_TOKEN, TODAY, YESTERDAY
from vocab import ConfigError, FatalSourceError, ResourceNotFound

Config = Callable[..., MatomoStatisticsSettings]
ONCE = RetryPolicy(attempts=1)


def test_a_long_range_is_read_in_chunks_with_every_day(
    matomo_config: Config, emulator: MatomoEmulator
) -> None:
    client = MatomoClient(matomo_config().matomo, retry=ONCE)
    first = YESTERDAY - timedelta(days=69)
    answer = client.days("VisitsSummary.get", 3, first, YESTERDAY, chunk_days=31)
    assert sorted(answer) == [first + timedelta(days=n) for n in range(70)]
    assert emulator.calls[("VisitsSummary.get", 3)] == 3
    assert all(isinstance(value, dict) and value["nb_visits"] for value in answer.values())


def test_the_token_travels_in_the_post_body(
    matomo_config: Config, emulator: MatomoEmulator
) -> None:
    # The emulator refuses a token in the query string, as a "secure only" token is refused.
    assert emulator.secure_only
    client = MatomoClient(matomo_config().matomo, retry=ONCE)
    assert client.version() and client.visible_site_ids() == [1, 2, 3]
    assert emulator.refused == 0


@pytest.mark.parametrize("emulator_options", [{"faults": Faults(fail_first=2)}])
def test_a_proxy_error_is_retried(matomo_config: Config, emulator: MatomoEmulator) -> None:
    client = MatomoClient(
        matomo_config().matomo, retry=RetryPolicy(attempts=3, factor=0.01, jitter=0.0)
    )
    answer = client.days("VisitFrequency.get", 2, YESTERDAY, YESTERDAY)
    assert answer[YESTERDAY]["nb_visits_new"] + answer[YESTERDAY]["nb_visits_returning"] > 0
    assert emulator.stats.statuses[503] == 2


def test_matomo_4_answers_a_wrong_token_with_http_200_and_the_error_says_so(
    sites: list[SiteSpec], matomo_config: Config
) -> None:
    with start_matomo(MatomoEmulator(sites, MATOMO_TOKEN, today=TODAY, major_version=4)) as old:
        cfg = matomo_config(URL=old.url, TOKEN_AUTH="wrong-token-4444")
        with pytest.raises(FatalSourceError) as raised:
            MatomoClient(cfg.matomo, retry=ONCE).days("VisitsSummary.get", 1, YESTERDAY, YESTERDAY)
    message = str(raised.value)
    assert "HTTP 200" in message and "requires 'view' access" in message
    assert "MATOMO.TOKEN_AUTH" in message and "wrong-token-4444" not in message


def test_a_wrong_url_is_a_clear_http_error(matomo_config: Config, matomo: RunningServer) -> None:
    cfg = matomo_config(URL=matomo.url + "/stats.php")
    with pytest.raises(ResourceNotFound, match="HTTP 404"):
        MatomoClient(cfg.matomo, retry=ONCE).version()


def test_check_reaches_matomo_and_sees_every_site(
    matomo_settings: Callable[..., Settings],
) -> None:
    assert "sites [1, 2] visible" in job.check(matomo_settings())


def test_check_names_sites_the_token_cannot_view(
    matomo_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(FatalSourceError, match=r"cannot view site\(s\) \[9\].*MATOMO\.SITE_IDS"):
        job.check(matomo_settings(SITE_IDS=[1, 9]))


def test_without_the_section_the_job_names_it(
    matomo_settings: Callable[..., Settings],
) -> None:
    settings = dataclasses.replace(matomo_settings(), matomo=None)
    with pytest.raises(ConfigError, match="MATOMO: section required by job MATOMO_STATISTICS"):
        job.check(settings)
