-- Index matomo_page_day by Canvas course and day (dashboards filter by course).
-- depends: 0081.create_matomo_page_day

CREATE INDEX ix_matomo_page_day_course ON matomo_page_day (course_id, visit_date);
