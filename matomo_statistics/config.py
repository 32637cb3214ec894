"""Frozen settings of the Matomo source and of MATOMO_STATISTICS, built from the MATOMO section."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from environ import Secret
from vocab import ConfigError

SECTION = "MATOMO"
DEFAULT_COURSE_ID_PATTERN = r"/courses/(\d+)"
DEFAULT_SKIP_URL_PATTERNS = (r"/login(/|\?|$)",)
DEFAULTS: dict[str, Any] = {
    "LOOKBACK_DAYS": 3,
    "COURSE_ID_PATTERN": DEFAULT_COURSE_ID_PATTERN,
    "SKIP_URL_PATTERNS": DEFAULT_SKIP_URL_PATTERNS,
    "DAYS_PER_REQUEST": 31,
    "REQUEST_TIMEOUT_SECONDS": 120.0,
}


@dataclass(frozen=True)
class MatomoSettings:
    """One Matomo server: its ``index.php`` URL and the ``token_auth`` sent in POST bodies."""

    url: str
    token: Secret
    request_timeout: float = 120.0


@dataclass(frozen=True)
class MatomoStatisticsSettings:
    """What MATOMO_STATISTICS reads: which sites, how far back, and how page URLs are read."""

    matomo: MatomoSettings
    site_ids: tuple[int, ...]
    lookback_days: int = 3
    backfill_start: date | None = None
    course_id_pattern: str = DEFAULT_COURSE_ID_PATTERN
    skip_url_patterns: tuple[str, ...] = DEFAULT_SKIP_URL_PATTERNS
    days_per_request: int = 31


def build_matomo_statistics(section: Mapping[str, Any]) -> MatomoStatisticsSettings:
    """Settings from the schema-validated MATOMO section.

    Raises:
        ConfigError: a date or pattern the schema cannot check is unusable; every problem is
            listed with the key to fix.
    """
    raw = {**DEFAULTS, **section}
    errors = _pattern_errors(raw) + _date_errors(raw)
    if errors:
        raise ConfigError(errors)
    backfill = raw.get("BACKFILL_START")
    return MatomoStatisticsSettings(
        matomo=MatomoSettings(
            url=matomo_api_url(raw["URL"]),
            token=Secret(raw["TOKEN_AUTH"]),
            request_timeout=float(raw["REQUEST_TIMEOUT_SECONDS"]),
        ),
        site_ids=tuple(dict.fromkeys(int(site) for site in raw["SITE_IDS"])),
        lookback_days=int(raw["LOOKBACK_DAYS"]),
        backfill_start=date.fromisoformat(backfill) if backfill else None,
        course_id_pattern=raw["COURSE_ID_PATTERN"],
        skip_url_patterns=tuple(raw["SKIP_URL_PATTERNS"]),
        days_per_request=int(raw["DAYS_PER_REQUEST"]),
    )


def matomo_api_url(url: str) -> str:
    """The API endpoint: ``https://host/matomo`` and ``.../index.php`` both give the latter."""
    url = url.rstrip("/")
    return url if url.endswith(".php") else f"{url}/index.php"


def _pattern_errors(raw: Mapping[str, Any]) -> list[str]:
    errors = []
    patterns = [("COURSE_ID_PATTERN", raw["COURSE_ID_PATTERN"])]
    patterns += [(f"SKIP_URL_PATTERNS[{n}]", p) for n, p in enumerate(raw["SKIP_URL_PATTERNS"])]
    for key, pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error as err:
            errors.append(f"{SECTION}.{key}: {pattern!r} is not a regular expression ({err})")
            continue
        if key == "COURSE_ID_PATTERN" and compiled.groups != 1:
            errors.append(
                f"{SECTION}.{key}: {pattern!r} needs exactly one group that captures "
                f"the course id, e.g. {DEFAULT_COURSE_ID_PATTERN!r}"
            )
    return errors


def _date_errors(raw: Mapping[str, Any]) -> list[str]:
    value = raw.get("BACKFILL_START")
    if not value:
        return []
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return [f"{SECTION}.BACKFILL_START: {value!r} is not a date; write YYYY-MM-DD"]
    return []
