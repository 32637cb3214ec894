-- Index enrollment by user.
-- depends: 0009.index_enrollment_course_id

CREATE INDEX ix_enrollment_user_id ON enrollment (user_id);
