"""Create matomo_page_day: Matomo's page URL statistics per site, day and URL."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0080.create_matomo_visits_day"}

# url_hash is the hex SHA-256 of url: page URLs are longer than any index allows.
step(
    *create_table(
        "matomo_page_day",
        """
    site_id INT NOT NULL,
    visit_date DATE NOT NULL,
    url_hash CHAR(64) NOT NULL,
    url TEXT NOT NULL,
    label TEXT NOT NULL,
    course_id BIGINT NULL,
    nb_hits INT NOT NULL,
    nb_visits INT NOT NULL,
    nb_uniq_visitors INT NOT NULL,
    sum_time_spent BIGINT NOT NULL,
    entry_nb_visits INT NOT NULL,
    entry_bounce_count INT NOT NULL,
    exit_nb_visits INT NOT NULL,
    bounce_rate DOUBLE NULL,
    exit_rate DOUBLE NULL,
    loaded_at DATETIME NOT NULL,
    PRIMARY KEY (site_id, visit_date, url_hash)
""",
    )
)
