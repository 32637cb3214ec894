-- Index course by term.
-- depends: 0004.index_course_account_id

CREATE INDEX ix_course_term_id ON course (term_id);
