"""The MATOMO section to settings: defaults, the API URL, secrets and unusable values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hjson
import pytest
from jsonschema import Draft7Validator

import environ
from matomo_statistics.config import build_matomo_statistics
from vocab import ConfigError

SCHEMA_PATH = Path(__file__).parents[2] / "matomo_statistics" / "schema_section.hjson"
SECTION = {
    "URL": "https://stats.example.edu/matomo/",
    "TOKEN_AUTH": "abcd1234secret",
    "SITE_IDS": [3, 1, 3],
}


def test_defaults_and_the_api_url() -> None:
    cfg = build_matomo_statistics(SECTION)
    assert cfg.matomo.url == "https://stats.example.edu/matomo/index.php"
    assert cfg.site_ids == (3, 1)
    assert (cfg.lookback_days, cfg.backfill_start, cfg.days_per_request) == (3, None, 31)
    assert "abcd1234secret" not in repr(cfg)
    assert environ.redact("token abcd1234secret") == "token ***"


def test_an_index_php_url_and_a_backfill_start_are_kept() -> None:
    cfg = build_matomo_statistics(
        {**SECTION, "URL": "https://m.test/index.php", "BACKFILL_START": "2023-08-01"}
    )
    assert cfg.matomo.url == "https://m.test/index.php"
    assert cfg.backfill_start == date(2023, 8, 1)


def test_unusable_patterns_and_dates_are_all_named() -> None:
    with pytest.raises(ConfigError) as raised:
        build_matomo_statistics(
            {
                **SECTION,
                "COURSE_ID_PATTERN": r"/courses/\d+",
                "SKIP_URL_PATTERNS": ["(unclosed"],
                "BACKFILL_START": "2023-13-01",
            }
        )
    errors = raised.value.errors
    assert any(e.startswith("MATOMO.COURSE_ID_PATTERN") and "one group" in e for e in errors)
    assert any(e.startswith("MATOMO.SKIP_URL_PATTERNS[0]") for e in errors)
    assert any(e.startswith("MATOMO.BACKFILL_START") and "YYYY-MM-DD" in e for e in errors)


def _schema_errors(section: dict) -> list[str]:
    fragment = hjson.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema = {"type": "object", "properties": fragment}
    return [error.message for error in Draft7Validator(schema).iter_errors({"MATOMO": section})]


def test_the_schema_fragment_accepts_a_full_section_and_every_default() -> None:
    full = {
        **SECTION,
        "LOOKBACK_DAYS": 5,
        "BACKFILL_START": "2023-08-01",
        "COURSE_ID_PATTERN": r"/courses/(\d+)",
        "SKIP_URL_PATTERNS": ["/login"],
        "DAYS_PER_REQUEST": 7,
        "REQUEST_TIMEOUT_SECONDS": 30,
    }
    assert _schema_errors(full) == []
    assert _schema_errors(SECTION) == []
    assert set(full) == set(hjson.loads(SCHEMA_PATH.read_text())["MATOMO"]["properties"])


@pytest.mark.parametrize(
    "change",
    [
        {"SITE_IDS": []},
        {"URL": "stats.example.edu"},
        {"LOOKBACK_DAYS": 0},
        {"BACKFILL_START": "1 May 2024"},
        {"TOKEN": "x"},
        {"TOKEN_AUTH": ""},
    ],
)
def test_the_schema_fragment_refuses_unusable_values(change: dict) -> None:
    assert _schema_errors({**SECTION, **change})
