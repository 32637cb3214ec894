-- Index enrollment by course.
-- depends: 0008.create_enrollment

CREATE INDEX ix_enrollment_course_id ON enrollment (course_id);
