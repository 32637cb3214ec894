-- Seed the LTI tools reported on by default; operators may add more.
-- depends: 0017.create_lti_type

INSERT INTO lti_type (canvas_id, des, rpt_group_nm) VALUES (25194, 'Zoom', 'Zoom'), (4352, 'Bluejeans', 'Bluejeans');
