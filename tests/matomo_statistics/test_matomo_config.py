"""The MATOMO section to settings: defaults, the API URL, secrets and unusable values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from redaction import redact
from tests.matomo_statistics.conftest import load_matomo_settings
from vocab import ConfigError

SECTION = {
    "URL": "https://stats.example.edu/matomo/",
    "TOKEN_AUTH": "abcd1234secret",
    "SITE_IDS": [3, 1, 3],
}


def test_defaults_and_the_api_url(tmp_path: Path) -> None:
    cfg = load_matomo_settings(tmp_path, SECTION).matomo
    assert cfg is not None
    assert cfg.matomo.url == "https://stats.example.edu/matomo/index.php"
    assert cfg.site_ids == (3, 1)
    assert (cfg.lookback_days, cfg.backfill_start, cfg.days_per_request) == (3, None, 31)
    assert cfg.course_id_pattern == r"/courses/(\d+)"
    assert "abcd1234secret" not in repr(cfg)
    assert redact("token abcd1234secret") == "token ***"


def test_a_full_section_is_kept(tmp_path: Path) -> None:
    full = {
        **SECTION,
        "URL": "https://m.test/index.php",
        "LOOKBACK_DAYS": 5,
        "BACKFILL_START": "2023-08-01",
        "COURSE_ID_PATTERN": r"/courses/(\d+)/",
        "SKIP_URL_PATTERNS": ["/login", "/profile"],
        "DAYS_PER_REQUEST": 7,
        "REQUEST_TIMEOUT_SECONDS": 30,
    }
    cfg = load_matomo_settings(tmp_path, full).matomo
    assert cfg is not None
    assert cfg.matomo.url == "https://m.test/index.php"
    assert (cfg.lookback_days, cfg.days_per_request, cfg.matomo.request_timeout) == (5, 7, 30)
    assert cfg.backfill_start == date(2023, 8, 1)
    assert cfg.skip_url_patterns == ("/login", "/profile")


def test_unusable_patterns_and_dates_are_all_named(tmp_path: Path) -> None:
    bad = {
        **SECTION,
        "COURSE_ID_PATTERN": r"/courses/\d+",
        "SKIP_URL_PATTERNS": ["(unclosed"],
        "BACKFILL_START": "2023-13-01",
    }
    with pytest.raises(ConfigError) as raised:
        load_matomo_settings(tmp_path, bad)
    errors = raised.value.errors
    assert any(e.startswith("MATOMO.COURSE_ID_PATTERN") and "one group" in e for e in errors)
    assert any(e.startswith("MATOMO.SKIP_URL_PATTERNS[0]") for e in errors)
    assert any(e.startswith("MATOMO.BACKFILL_START") for e in errors)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"SITE_IDS": []}, "MATOMO.SITE_IDS"),
        ({"URL": "stats.example.edu"}, "MATOMO.URL"),
        ({"LOOKBACK_DAYS": 0}, "MATOMO.LOOKBACK_DAYS"),
        ({"BACKFILL_START": "1 May 2024"}, "MATOMO.BACKFILL_START"),
        ({"TOKEN": "x"}, "MATOMO"),
        ({"TOKEN_AUTH": ""}, "MATOMO.TOKEN_AUTH"),
    ],
)
def test_the_schema_refuses_unusable_values(tmp_path: Path, change: dict, where: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_matomo_settings(tmp_path, {**SECTION, **change})
    assert any(error.startswith(where) for error in raised.value.errors)


def test_the_section_is_required_by_the_job(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MATOMO: section required by job MATOMO_STATISTICS"):
        load_matomo_settings(tmp_path, SECTION, MATOMO=None)
