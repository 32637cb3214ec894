"""SQL text of MATOMO_STATISTICS: the day ranges it replaces."""

VISITS_TABLE = "matomo_visits_day"
PAGES_TABLE = "matomo_page_day"

# Both tables are replaced per site and day range: delete the range, insert what was read.
SITE_DAYS = "site_id = :site_id AND visit_date BETWEEN :first AND :last"
