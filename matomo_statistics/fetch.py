"""Read one site's reports for the spans it needs: three range requests per span and chunk."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matomo_statistics.window import Span
from sources.matomo import MatomoClient

logger = logging.getLogger(__name__)

# Summaries are one small object per day: a year fits one answer. Page lists are large.
SUMMARY_DAYS_PER_REQUEST = 366


@dataclass
class SiteReports:
    """What Matomo answered for one site, keyed by day, and the spans those days make up."""

    site_id: int
    spans: list[Span]
    summary: dict[date, Any] = field(default_factory=dict)
    frequency: dict[date, Any] = field(default_factory=dict)
    pages: dict[date, Any] = field(default_factory=dict)


def fetch_site(
    client: MatomoClient, site_id: int, spans: list[Span], days_per_request: int
) -> SiteReports:
    """The visit summary, the new/returning split and every page URL (``flat=1``) per day.

    ``filter_limit=-1`` because the API returns only 100 rows per day without it.
    """
    reports = SiteReports(site_id, spans)
    for span in spans:
        reports.summary |= client.days(
            "VisitsSummary.get",
            site_id,
            span.first,
            span.last,
            chunk_days=SUMMARY_DAYS_PER_REQUEST,
        )
        reports.frequency |= client.days(
            "VisitFrequency.get",
            site_id,
            span.first,
            span.last,
            chunk_days=SUMMARY_DAYS_PER_REQUEST,
        )
        reports.pages |= client.days(
            "Actions.getPageUrls",
            site_id,
            span.first,
            span.last,
            chunk_days=days_per_request,
            flat="1",
            filter_limit="-1",
        )
        logger.info(
            "Matomo site %s: read %d day(s), %s to %s", site_id, span.days, span.first, span.last
        )
    return reports
