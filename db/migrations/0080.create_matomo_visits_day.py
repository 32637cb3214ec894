"""Create matomo_visits_day: Matomo's visit summary per site and day, split new/returning."""

from __future__ import annotations

from yoyo import step

from db.ddl import create_table

__depends__ = {"0022.create_etl_cursor"}

step(
    *create_table(
        "matomo_visits_day",
        """
    site_id INT NOT NULL,
    visit_date DATE NOT NULL,
    nb_visits INT NOT NULL,
    nb_uniq_visitors INT NOT NULL,
    nb_users INT NOT NULL,
    nb_actions INT NOT NULL,
    max_actions INT NOT NULL,
    bounce_count INT NOT NULL,
    sum_visit_length BIGINT NOT NULL,
    avg_time_on_site INT NOT NULL,
    bounce_rate DOUBLE NULL,
    nb_actions_per_visit DOUBLE NULL,
    nb_visits_new INT NOT NULL,
    nb_uniq_visitors_new INT NOT NULL,
    nb_actions_new INT NOT NULL,
    bounce_count_new INT NOT NULL,
    sum_visit_length_new BIGINT NOT NULL,
    avg_time_on_site_new INT NOT NULL,
    bounce_rate_new DOUBLE NULL,
    nb_visits_returning INT NOT NULL,
    nb_uniq_visitors_returning INT NOT NULL,
    nb_actions_returning INT NOT NULL,
    bounce_count_returning INT NOT NULL,
    sum_visit_length_returning BIGINT NOT NULL,
    avg_time_on_site_returning INT NOT NULL,
    bounce_rate_returning DOUBLE NULL,
    loaded_at DATETIME NOT NULL,
    PRIMARY KEY (site_id, visit_date)
""",
    )
)
