"""COURSE_INVENTORY job: Canvas courses, rosters and usage into the inventory tables."""
