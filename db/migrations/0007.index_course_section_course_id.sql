-- Index course_section by course.
-- depends: 0006.create_course_section

CREATE INDEX ix_course_section_course_id ON course_section (course_id);
