"""Describe the MATOMO_STATISTICS tables in a comment (MySQL), as 0023 does for the others."""

from __future__ import annotations

from yoyo import step

from db.ddl import comment_tables

# After the Matomo tables exist, whichever order the two blocks were applied in.
__depends__ = {"0023.create_data_freshness", "0082.index_matomo_page_day_course"}

COMMENTS = {
    "matomo_visits_day": "Matomo visits per site and day (MATOMO_STATISTICS)",
    "matomo_page_day": "Matomo page views per site, day and page (MATOMO_STATISTICS)",
}


step(*comment_tables(COMMENTS))
