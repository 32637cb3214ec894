"""Matomo answers to table rows: rates as fractions, counts as integers, course ids from URLs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

SUMMARY_COUNTS = (
    "nb_visits",
    "nb_uniq_visitors",
    "nb_users",
    "nb_actions",
    "max_actions",
    "bounce_count",
    "sum_visit_length",
    "avg_time_on_site",
)
FREQUENCY_COUNTS = (
    "nb_visits",
    "nb_uniq_visitors",
    "nb_actions",
    "bounce_count",
    "sum_visit_length",
    "avg_time_on_site",
)
VISIT_COLUMNS = (
    "site_id",
    "visit_date",
    *SUMMARY_COUNTS,
    "bounce_rate",
    "nb_actions_per_visit",
    *(
        f"{name}_{kind}"
        for kind in ("new", "returning")
        for name in (*FREQUENCY_COUNTS, "bounce_rate")
    ),
    "loaded_at",
)
PAGE_COUNTS = (
    "nb_hits",
    "nb_visits",
    "nb_uniq_visitors",
    "sum_time_spent",
    "entry_nb_visits",
    "entry_bounce_count",
    "exit_nb_visits",
)
PAGE_COLUMNS = (
    "site_id",
    "visit_date",
    "url_hash",
    "url",
    "label",
    "course_id",
    *PAGE_COUNTS,
    "bounce_rate",
    "exit_rate",
    "loaded_at",
)


def rate(value: Any) -> float | None:
    """``"45%"`` -> 0.45; a number is taken as already a fraction (``format_metrics=0``)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            return float(text[:-1]) / 100
        return float(text)
    return float(value)


def count(value: Any) -> int:
    """A count the API may send as a number or a numeric string; absent means 0."""
    if value is None or value == "":
        return 0
    return int(float(value))


def number(value: Any) -> float | None:
    """A ratio such as ``nb_actions_per_visit``; None when absent."""
    return None if value is None or value == "" else float(value)


def visits_frame(
    site_id: int, summary: Mapping[date, Any], frequency: Mapping[date, Any], loaded_at: datetime
) -> pd.DataFrame:
    """One row per day in ``summary``: a day without visits gets zero counts and no rates."""
    rows = []
    for day, answer in sorted(summary.items()):
        totals = answer if isinstance(answer, dict) else {}
        split = frequency.get(day)
        split = split if isinstance(split, dict) else {}
        row: dict[str, Any] = {"site_id": site_id, "visit_date": day}
        row |= {name: count(totals.get(name)) for name in SUMMARY_COUNTS}
        row["bounce_rate"] = rate(totals.get("bounce_rate"))
        row["nb_actions_per_visit"] = number(totals.get("nb_actions_per_visit"))
        for kind in ("new", "returning"):
            row |= {
                f"{name}_{kind}": count(split.get(f"{name}_{kind}")) for name in FREQUENCY_COUNTS
            }
            row[f"bounce_rate_{kind}"] = rate(split.get(f"bounce_rate_{kind}"))
        row["loaded_at"] = loaded_at
        rows.append(row)
    return pd.DataFrame(rows, columns=list(VISIT_COLUMNS))


def compile_patterns(
    course_id_pattern: str, skip_patterns: Sequence[str]
) -> tuple[re.Pattern[str], list[re.Pattern[str]]]:
    """The course-id pattern (one capturing group) and the skip patterns, compiled."""
    return re.compile(course_id_pattern), [re.compile(p) for p in skip_patterns]


def course_id(url: str, pattern: re.Pattern[str]) -> int | None:
    """The Canvas course id in a page URL (``/courses/123/...`` by default), or None."""
    match = pattern.search(url)
    return int(match.group(1)) if match and match.group(1).isdigit() else None


def url_hash(url: str) -> str:
    """The key of a page URL: SHA-256 of the full URL, hex (URLs are too long for a key)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def pages_frame(
    site_id: int,
    pages: Mapping[date, Any],
    course_pattern: re.Pattern[str],
    skip: Sequence[re.Pattern[str]],
    loaded_at: datetime,
) -> pd.DataFrame:
    """Rows of ``Actions.getPageUrls`` (``flat=1``) per day, one per distinct page URL.

    Rows without ``url`` are aggregates (a folder, or the "Others" row Matomo makes when an
    archive is truncated) and are left out, as are URLs matching a skip pattern. Should one
    day list a URL twice, the row with the most hits is kept.
    """
    rows = []
    for day, answer in sorted(pages.items()):
        for item in answer if isinstance(answer, list) else []:
            url = item.get("url") if isinstance(item, dict) else None
            if not url or any(pattern.search(url) for pattern in skip):
                continue
            rows.append(_page_row(site_id, day, url, item, course_pattern, loaded_at))
    frame = pd.DataFrame(rows, columns=list(PAGE_COLUMNS))
    frame = frame.sort_values("nb_hits", ascending=False, kind="stable")
    frame = frame.drop_duplicates(["site_id", "visit_date", "url_hash"], keep="first")
    return frame.sort_values(["visit_date", "url_hash"]).reset_index(drop=True)


def _page_row(
    site_id: int,
    day: date,
    url: str,
    item: Mapping[str, Any],
    course_pattern: re.Pattern[str],
    loaded_at: datetime,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "site_id": site_id,
        "visit_date": day,
        "url_hash": url_hash(url),
        "url": url,
        "label": str(item.get("label", "")),
        "course_id": course_id(url, course_pattern),
    }
    row |= {name: count(item.get(name)) for name in PAGE_COUNTS}
    row["bounce_rate"] = rate(item.get("bounce_rate"))
    row["exit_rate"] = rate(item.get("exit_rate"))
    row["loaded_at"] = loaded_at
    return row
