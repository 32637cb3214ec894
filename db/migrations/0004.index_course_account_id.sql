-- Index course by account.
-- depends: 0003.create_course

CREATE INDEX ix_course_account_id ON course (account_id);
